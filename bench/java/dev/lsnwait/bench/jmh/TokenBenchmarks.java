package dev.lsnwait.bench.jmh;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnToken;
import dev.lsnwait.MalformedTokenException;
import dev.lsnwait.TokenCodec;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Token merge and the wire format: what a request pays to read and write its token. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenBenchmarks {

  private final LsnToken older = LsnToken.of(0x6553f1a2b3c4d5e6L, Lsn.parse("5/3000148"));
  private final LsnToken newer = LsnToken.of(0x6553f1a2b3c4d5e6L, Lsn.parse("5/3000200"));
  private final TokenCodec unsigned = TokenCodec.unsigned();
  private final TokenCodec signed =
      TokenCodec.builder().key("k1", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII)).build();
  private final String unsignedText = unsigned.encode(newer);
  private final String signedText = signed.encode(newer);

  @Benchmark
  public LsnToken merge() {
    return older.merge(newer);
  }

  @Benchmark
  public String encodeUnsigned() {
    return unsigned.encode(newer);
  }

  @Benchmark
  public String encodeSigned() {
    return signed.encode(newer);
  }

  @Benchmark
  public LsnToken decodeUnsigned() throws MalformedTokenException {
    return unsigned.decode(unsignedText);
  }

  @Benchmark
  public LsnToken decodeSigned() throws MalformedTokenException {
    return signed.decode(signedText);
  }
}
