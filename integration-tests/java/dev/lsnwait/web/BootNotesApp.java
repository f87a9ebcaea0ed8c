package dev.lsnwait.web;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * A Spring Boot application as users write them: no class of lsnwait in it. Configured only by
 * {@code spring.datasource.url} (a {@code jdbc:lsnwait:} URL) and {@code lsnwait.web.keys}.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@EnableAsync
@Import({BootNotesApp.Notes.class, BootNotesApp.Reader.class, BootNotesApp.Api.class})
public class BootNotesApp {

  /** Writes and reads notes in transactions. */
  @Service
  public static class Notes {
    private final JdbcTemplate jdbc;

    public Notes(JdbcTemplate jdbc) {
      this.jdbc = jdbc;
    }

    @Transactional
    public long create(String text) {
      return jdbc.queryForObject("INSERT INTO boot_note (text) VALUES (?) RETURNING id", Long.class, text);
    }

    @Transactional(readOnly = true)
    public Map<String, Object> find(long id) {
      Long count = jdbc.queryForObject("SELECT count(*) FROM boot_note WHERE id = ?", Long.class, id);
      Boolean replica = jdbc.queryForObject("SELECT pg_is_in_recovery()", Boolean.class);
      return Map.of("found", count == 1, "replica", replica);
    }
  }

  /** The same read in an {@code @Async} method: another thread. */
  @Service
  public static class Reader {
    private final Notes notes;

    public Reader(Notes notes) {
      this.notes = notes;
    }

    @Async
    public CompletableFuture<Map<String, Object>> find(long id) {
      return CompletableFuture.completedFuture(notes.find(id));
    }
  }

  /** The HTTP API. */
  @RestController
  public static class Api {
    private final Notes notes;
    private final Reader reader;
    private final RestClient.Builder clients;

    public Api(Notes notes, Reader reader, RestClient.Builder clients) {
      this.notes = notes;
      this.reader = reader;
      this.clients = clients;
    }

    @PostMapping("/notes")
    public long create(@RequestParam("text") String text) {
      return notes.create(text);
    }

    @GetMapping("/notes/{id}")
    public Map<String, Object> find(@PathVariable("id") long id) {
      return notes.find(id);
    }

    @GetMapping("/notes/{id}/async")
    public Map<String, Object> findAsync(@PathVariable("id") long id) throws Exception {
      return reader.find(id).get();
    }

    /** Writes, then asks another instance for the note: the token goes with the call. */
    @PostMapping("/notes/relay")
    public String relay(@RequestParam("text") String text, @RequestParam("port") int port) {
      long id = notes.create(text);
      return clients.build().get().uri("http://127.0.0.1:" + port + "/notes/" + id).retrieve().body(String.class);
    }
  }
}
