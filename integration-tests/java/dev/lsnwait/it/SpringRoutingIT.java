package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lsnwait.LsnContext;
import dev.lsnwait.testkit.Deadline;
import dev.lsnwait.testkit.PgCluster;
import dev.lsnwait.testkit.PgServer;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Id;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.Table;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.persistenceunit.PersistenceManagedTypes;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/**
 * Unchanged Spring code on the routing URL: {@code @Transactional(readOnly = true)} reads run on replicas that have
 * replayed the caller's writes, with Spring JDBC and with JPA (Hibernate), through HikariCP; zero stale.
 */
class SpringRoutingIT {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final int ROUNDS = 60;
  private static final AtomicInteger IDS = new AtomicInteger();
  private static PgCluster cluster;
  static String url;

  @BeforeAll
  static void start() {
    cluster = PgCluster.start(Duration.ZERO, false);
    PgServer slow = cluster.addStandby(Duration.ofMillis(100));
    PgCluster.execute(cluster.primary(), "CREATE TABLE spring_note (id bigint PRIMARY KEY, text varchar(255))");
    cluster.awaitCaughtUp(cluster.replica(), PATIENCE);
    cluster.awaitCaughtUp(slow, PATIENCE);
    // replicaWait 1 s: on a loaded machine the 0-lag standby can fall more than the default 20 ms behind, and
    // placement then rightly sends reads to the primary; this test is about Spring's read-only flag reaching the
    // router and never reading stale, not about the wait's bound (RoutingPlacementIT tests that)
    url = cluster.primary().lsnwaitUrl() + "?lsnwait.replicas=127.0.0.1:" + cluster.replica().port()
        + ",127.0.0.1:" + slow.port() + "&lsnwait.replicaWait=1s";
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @BeforeEach
  void clean() {
    LsnContext.clear();
  }

  static DataSource pool() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername("postgres");
    config.setMaximumPoolSize(2);
    return new HikariDataSource(config);
  }

  /** Where a read ran, and whether it saw the row. */
  record Read(boolean found, boolean onReplica) {}

  // ---- Spring JDBC

  @Configuration
  @EnableTransactionManagement
  static class JdbcConfig {
    @Bean(destroyMethod = "close")
    DataSource dataSource() {
      return pool();
    }

    @Bean
    PlatformTransactionManager transactionManager(DataSource dataSource) {
      return new DataSourceTransactionManager(dataSource);
    }

    @Bean
    JdbcNotes notes(DataSource dataSource) {
      return new JdbcNotes(new JdbcTemplate(dataSource));
    }
  }

  /** Application code: nothing in it mentions lsnwait. */
  public static class JdbcNotes {
    private final JdbcTemplate jdbc;

    public JdbcNotes(JdbcTemplate jdbc) {
      this.jdbc = jdbc;
    }

    @Transactional
    public void save(long id, String text) {
      jdbc.update("INSERT INTO spring_note (id, text) VALUES (?, ?)", id, text);
    }

    @Transactional(readOnly = true)
    public Read find(long id) {
      Long count = jdbc.queryForObject("SELECT count(*) FROM spring_note WHERE id = ?", Long.class, id);
      Boolean replica = jdbc.queryForObject("SELECT pg_is_in_recovery()", Boolean.class);
      return new Read(count == 1, replica);
    }
  }

  @Test
  void springJdbcReadOnlyTransactionsReadTheirWritesOnReplicas() {
    try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(JdbcConfig.class)) {
      JdbcNotes notes = context.getBean(JdbcNotes.class);
      Deadline.await(PATIENCE, "a read-only transaction on a replica", () -> notes.find(-1).onReplica());
      assertNeverStaleMostlyOnReplicas(id -> notes.save(id, "jdbc"), notes::find);
    }
  }

  // ---- Spring ORM: JPA with Hibernate

  @Entity
  @Table(name = "spring_note")
  public static class Note {
    @Id private Long id;
    private String text;

    protected Note() {}

    Note(Long id, String text) {
      this.id = id;
      this.text = text;
    }
  }

  @Configuration
  @EnableTransactionManagement
  static class JpaConfig {
    @Bean(destroyMethod = "close")
    DataSource dataSource() {
      return pool();
    }

    @Bean
    LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource dataSource) {
      LocalContainerEntityManagerFactoryBean factory = new LocalContainerEntityManagerFactoryBean();
      factory.setDataSource(dataSource);
      factory.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
      factory.setManagedTypes(PersistenceManagedTypes.of(Note.class.getName()));
      factory.setJpaPropertyMap(Map.of("hibernate.hbm2ddl.auto", "none"));
      return factory;
    }

    @Bean
    PlatformTransactionManager transactionManager(jakarta.persistence.EntityManagerFactory factory) {
      return new JpaTransactionManager(factory);
    }

    @Bean
    JpaNotes notes() {
      return new JpaNotes();
    }
  }

  /** Application code: nothing in it mentions lsnwait. */
  public static class JpaNotes {
    @PersistenceContext private EntityManager entityManager;

    @Transactional
    public void save(long id, String text) {
      entityManager.persist(new Note(id, text));
    }

    @Transactional(readOnly = true)
    public Read find(long id) {
      Note note = entityManager.find(Note.class, id);
      Object replica = entityManager.createNativeQuery("SELECT pg_is_in_recovery()").getSingleResult();
      return new Read(note != null, Boolean.TRUE.equals(replica));
    }
  }

  @Test
  void springJpaReadOnlyTransactionsReadTheirWritesOnReplicas() {
    try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext(JpaConfig.class)) {
      JpaNotes notes = context.getBean(JpaNotes.class);
      Deadline.await(PATIENCE, "a read-only transaction on a replica", () -> notes.find(-1).onReplica());
      assertNeverStaleMostlyOnReplicas(id -> notes.save(id, "jpa"), notes::find);
    }
  }

  private static void assertNeverStaleMostlyOnReplicas(
      java.util.function.LongConsumer save, java.util.function.LongFunction<Read> find) {
    int stale = 0;
    int onReplicas = 0;
    for (int i = 0; i < ROUNDS; i++) {
      long id = IDS.incrementAndGet();
      save.accept(id);
      Read read = find.apply(id);
      stale += read.found() ? 0 : 1;
      onReplicas += read.onReplica() ? 1 : 0;
    }
    assertEquals(0, stale, "stale reads");
    assertTrue(onReplicas >= ROUNDS / 2, onReplicas + " of " + ROUNDS + " reads on replicas");
  }
}
