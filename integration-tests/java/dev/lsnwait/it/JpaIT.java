package dev.lsnwait.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lsnwait.LsnWaitDriver;
import dev.lsnwait.ReplicaTracker;
import dev.lsnwait.testkit.PgServer;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hibernate.jpa.HibernatePersistenceConfiguration;
import org.junit.jupiter.api.Test;

/** Unchanged JPA code: an entity saved through one EntityManagerFactory on the primary URL is found on the replica. */
class JpaIT extends ClusterTest {

  @Entity
  @Table(name = "lsnwait_jpa_note")
  public static class Note {
    @Id private Long id;
    private String text;

    protected Note() {}

    Note(Long id, String text) {
      this.id = id;
      this.text = text;
    }
  }

  private EntityManagerFactory factory(PgServer server, String schemaAction) {
    EntityManagerFactory factory =
        new HibernatePersistenceConfiguration("lsnwait-" + server.port())
            .managedClass(Note.class)
            .property("jakarta.persistence.jdbc.url", server.lsnwaitUrl())
            .property("jakarta.persistence.jdbc.user", "postgres")
            .property("jakarta.persistence.schema-generation.database.action", schemaAction)
            .property("hibernate.connection.pool_size", "2")
            .createEntityManagerFactory();
    closeLater(factory::close);
    return factory;
  }

  @Test
  void entitySavedOnThePrimaryIsFoundAtOnceOnTheReplica() throws Exception {
    EntityManagerFactory primary = factory(cluster.primary(), "drop-and-create");
    cluster.awaitReplicaCaughtUp(PATIENCE);
    EntityManagerFactory replica = factory(cluster.replica(), "none");
    cluster.pauseReplay();

    ExecutorService executor = Executors.newSingleThreadExecutor();
    closeLater(executor::shutdownNow);
    Future<String> found =
        executor.submit(
            () -> {
              try (EntityManager em = primary.createEntityManager()) {
                em.getTransaction().begin();
                em.persist(new Note(1L, "written on the primary"));
                em.getTransaction().commit();
              }
              try (EntityManager em = replica.createEntityManager()) {
                Note note = em.find(Note.class, 1L);
                return note == null ? null : note.text;
              }
            });

    ReplicaTracker tracker = LsnWaitDriver.trackers().stream()
        .filter(t -> t.name().endsWith(":" + cluster.replica().port()))
        .findFirst()
        .orElseThrow();
    awaitWaiters(tracker, 1);
    assertFalse(found.isDone(), "the replica read waits while replay is paused");
    cluster.resumeReplay();
    assertEquals("written on the primary", found.get(30, TimeUnit.SECONDS));
  }

  @Test
  void withoutLsnwaitTheSameCodeMissesTheWrite() throws Exception {
    EntityManagerFactory primary = factory(cluster.primary(), "drop-and-create");
    cluster.awaitReplicaCaughtUp(PATIENCE);
    EntityManagerFactory plainReplica =
        new HibernatePersistenceConfiguration("plain-" + cluster.replica().port())
            .managedClass(Note.class)
            .property("jakarta.persistence.jdbc.url", cluster.replica().jdbcUrl())
            .property("jakarta.persistence.jdbc.user", "postgres")
            .property("hibernate.connection.pool_size", "2")
            .createEntityManagerFactory();
    closeLater(plainReplica::close);
    cluster.pauseReplay();
    try (EntityManager em = primary.createEntityManager()) {
      em.getTransaction().begin();
      em.persist(new Note(2L, "unseen"));
      em.getTransaction().commit();
    }
    try (EntityManager em = plainReplica.createEntityManager()) {
      assertNull(em.find(Note.class, 2L));
    }
    cluster.resumeReplay();
    cluster.awaitReplicaCaughtUp(PATIENCE);
    try (EntityManager em = plainReplica.createEntityManager()) {
      assertNotNull(em.find(Note.class, 2L));
    }
  }
}
