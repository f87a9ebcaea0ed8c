package dev.lsnwait.internal.primary;

/**
 * What a database's catalog proves about the names a statement uses, as {@link SqlScanner} asks: a name is
 * trusted not to write only with proof, so every answer errs towards "may write".
 */
interface WriteLookup {

  /** Everything may write: no catalog, or one that a change made obsolete. */
  WriteLookup NOTHING_KNOWN = new WriteLookup() {
    @Override
    public boolean functionMayWrite(String name) {
      return true;
    }

    @Override
    public boolean relationMayWrite(String name) {
      return true;
    }

    @Override
    public boolean attributeMayWrite(String name) {
      return true;
    }

    @Override
    public boolean functionSetsSession(String name) {
      return true;
    }
  };

  /**
   * Before any proof, for placing read-only work (not for tokens): every call may write, reading a relation does
   * not. A view that writes, met on a replica before the catalog was read, fails there (a read-only transaction);
   * it is never taken for a read that makes no token.
   */
  WriteLookup CALLS_UNKNOWN = new WriteLookup() {
    @Override
    public boolean functionMayWrite(String name) {
      return true;
    }

    @Override
    public boolean relationMayWrite(String name) {
      return false;
    }

    @Override
    public boolean functionSetsSession(String name) {
      return true;
    }
  };

  /** Whether a call of a function of this name (as PostgreSQL folds it), any overload, may write. */
  boolean functionMayWrite(String name);

  /**
   * Whether reading a relation of this name may write: a view whose query, or a table whose row-level policy, calls
   * a function that may; or, with no proof, any name.
   */
  boolean relationMayWrite(String name);

  /**
   * Whether a name after a dot, with no parenthesis ({@code row.f}), may call a function that may write: PostgreSQL
   * reads {@code row.f} as {@code f(row)} when no column is so named.
   */
  default boolean attributeMayWrite(String name) {
    return false;
  }

  /**
   * Whether a call of a function of this name may commit rows in another session (dblink's functions, or a
   * function whose own source calls dblink): {@code commit()} cannot learn that from its transaction's ID.
   */
  default boolean functionWritesElsewhere(String name) {
    return name.startsWith("dblink");
  }

  /** Whether a call of a function of this name may change the session's settings ({@code set_config} inside). */
  default boolean functionSetsSession(String name) {
    return false;
  }

  /** Whether any statement that reads may write (operators or casts of the database run functions that may). */
  default boolean everyReadMayWrite() {
    return false;
  }
}
