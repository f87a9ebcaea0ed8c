--liquibase formatted sql

--changeset lsnwait:1 context:v1
CREATE TABLE mig_note (id bigserial PRIMARY KEY, text text NOT NULL);

--changeset lsnwait:2 context:v1 splitStatements:false
-- Reads only: lsnwait's catalog proves it, and an auto-commit call of it makes no token.
CREATE FUNCTION mig_f() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM mig_note $$;

--changeset lsnwait:3 context:v2 splitStatements:false
-- The same function now writes: lsnwait must forget what it proved of it before the next call relies on it.
CREATE OR REPLACE FUNCTION mig_f() RETURNS bigint LANGUAGE sql VOLATILE
  AS $$ INSERT INTO mig_note (text) VALUES ('by mig_f') RETURNING id $$;
