package dev.lsnwait.bench.jmh;

import dev.lsnwait.testkit.PgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.postgresql.PGConnection;

/**
 * The generated pass-through proxies against pgjdbc called directly, on the same physical connection to a real
 * replica: pure pass-through calls, and a full point query (where the round trip dominates).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ProxyBenchmark {

  private PgCluster cluster;
  private Connection proxy;
  private Connection direct;
  private PreparedStatement proxyStatement;
  private PreparedStatement directStatement;
  private int value;

  @Setup
  public void setUp() throws SQLException {
    cluster = PgCluster.start(Duration.ZERO, false);
    Properties properties = new Properties();
    properties.setProperty("user", "postgres");
    proxy = DriverManager.getConnection(cluster.replica().lsnwaitUrl(), properties);
    direct = (Connection) proxy.unwrap(PGConnection.class);
    proxyStatement = proxy.prepareStatement("SELECT ?::int");
    directStatement = direct.prepareStatement("SELECT ?::int");
  }

  @TearDown
  public void tearDown() throws SQLException {
    proxy.close();
    cluster.close();
  }

  @Benchmark
  public boolean getAutoCommitDirect() throws SQLException {
    return direct.getAutoCommit();
  }

  @Benchmark
  public boolean getAutoCommitProxy() throws SQLException {
    return proxy.getAutoCommit();
  }

  @Benchmark
  public void setIntDirect() throws SQLException {
    directStatement.setInt(1, value++);
  }

  @Benchmark
  public void setIntProxy() throws SQLException {
    proxyStatement.setInt(1, value++);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public int queryDirect() throws SQLException {
    directStatement.setInt(1, 7);
    try (ResultSet row = directStatement.executeQuery()) {
      row.next();
      return row.getInt(1);
    }
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public int queryProxy() throws SQLException {
    proxyStatement.setInt(1, 7);
    try (ResultSet row = proxyStatement.executeQuery()) {
      row.next();
      return row.getInt(1);
    }
  }
}
