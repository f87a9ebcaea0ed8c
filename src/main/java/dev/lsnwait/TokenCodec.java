package dev.lsnwait;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The wire format of an {@link LsnToken}: one printable string, safe in an HTTP header, a cookie, a message header or
 * a job argument.
 *
 * <pre>
 *   v1.&lt;cluster&gt;-&lt;lsn&gt;[_&lt;cluster&gt;-&lt;lsn&gt;...][.&lt;key id&gt;.&lt;signature&gt;]
 *   v1.6553f1a2b3c4d5e6-3000148
 *   v1.6553f1a2b3c4d5e6-3000148.k1.bWFjLi4u...
 * </pre>
 *
 * <p>Clusters ({@code system_identifier}) and LSNs are unsigned hexadecimal. The signature is HMAC-SHA256, base64url
 * without padding, over everything before it. With keys configured, one key signs and every key verifies (rotate by
 * adding the new key to the verifiers everywhere, then signing with it), and unsigned tokens are refused; without
 * keys, tokens are trusted as they come.
 *
 * <p>Why sign: a token that comes from a client is user input. A forged token naming a position far in the future
 * would make every read of that request wait its whole {@code lsnwait.timeout}; a signed token can only be one this
 * application issued.
 *
 * <p>Decoding is strict and bounded: at most {@value #MAX_LENGTH} characters (checked before anything else) and
 * {@value #MAX_ENTRIES} clusters. {@link #decodeOrEmpty(String)} never throws: a refused token counts in
 * {@link #rejections()} and is dropped. Those who use a codec also count in it the tokens they took unchecked
 * ({@link #unchecked()}) and could not send ({@link #unsent()}). Instances are immutable apart from the counters,
 * and thread-safe.
 */
public final class TokenCodec {

  /** The HTTP header that carries a token, by default ({@code LsnWaitFilter}, {@code HttpClientPropagation}). */
  public static final String DEFAULT_HEADER = "LsnWait-Token";

  /** The longest token text accepted. */
  public static final int MAX_LENGTH = TokenFormat.MAX_LENGTH;
  /** The most clusters one token may name. */
  public static final int MAX_ENTRIES = TokenFormat.MAX_ENTRIES;
  /** The shortest key accepted, in bytes (HMAC-SHA256's output size). */
  public static final int MIN_KEY_BYTES = TokenKeys.MIN_KEY_BYTES;

  /** Why a token was refused. */
  public enum Rejection {
    /** Not the format above (or a version this release does not know). */
    MALFORMED,
    /** Longer than {@link #MAX_LENGTH}. */
    TOO_LARGE,
    /** More than {@link #MAX_ENTRIES} clusters. */
    TOO_MANY_ENTRIES,
    /** Unsigned, while keys are configured. */
    UNSIGNED,
    /** Signed with a key id this codec does not know. */
    UNKNOWN_KEY,
    /** The signature does not match. */
    BAD_SIGNATURE,
    /** Well-formed, but for a cluster this application does not use (counted by the caller that knows). */
    OTHER_CLUSTER,
    /**
     * Unsigned, from outside, for a cluster whose primary this application has no connection to: its position
     * cannot be checked against the primary's, so it could make reads wait for nothing.
     */
    UNVERIFIABLE
  }

  private final TokenKeys keys;
  private final Map<Rejection, LongAdder> rejections = new EnumMap<>(Rejection.class);
  private final LongAdder unchecked = new LongAdder();
  private final LongAdder unsent = new LongAdder();

  private TokenCodec(TokenKeys keys) {
    this.keys = keys;
    for (Rejection rejection : Rejection.values()) {
      rejections.put(rejection, new LongAdder());
    }
  }

  /** A codec without keys: tokens are neither signed nor verified. */
  public static TokenCodec unsigned() {
    return new TokenCodec(TokenKeys.NONE);
  }

  /** A codec with keys: the first signs, all verify. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A codec from a key list as written in configuration: {@code id=base64key[,id=base64key...]}, the first signing,
   * all verifying; blank means {@link #unsigned()}. Keys must be at least {@value #MIN_KEY_BYTES} bytes.
   *
   * @throws IllegalArgumentException naming the entry at fault (never echoing a key)
   */
  public static TokenCodec fromKeys(String keys) {
    if (keys == null || keys.isBlank()) {
      return unsigned();
    }
    TokenKeys.Collector collector = new TokenKeys.Collector();
    collector.addAll(keys);
    return new TokenCodec(collector.build());
  }

  /** Whether this codec signs and verifies. */
  public boolean isSigned() {
    return !keys.isEmpty();
  }

  /** The wire form of {@code token}; the empty string for an empty token. */
  public String encode(LsnToken token) {
    if (token.isEmpty()) {
      return "";
    }
    if (token.positions().size() > MAX_ENTRIES) {
      throw new IllegalArgumentException("lsnwait: a token names at most " + MAX_ENTRIES + " clusters");
    }
    StringBuilder text = TokenFormat.print(token);
    if (!keys.isEmpty()) {
      String keyId = keys.signingKeyId();
      text.append('.').append(keyId);
      String signature = keys.sign(keyId, text); // over everything before the signature's dot
      text.append('.').append(signature);
    }
    return text.toString();
  }

  /**
   * Parses and verifies a token text. Null or empty is the empty token.
   *
   * @throws MalformedTokenException for anything else that is not a valid token; nothing else is thrown
   */
  public LsnToken decode(String text) throws MalformedTokenException {
    if (text == null || text.isEmpty()) {
      return LsnToken.EMPTY;
    }
    if (text.length() > MAX_LENGTH) {
      throw new MalformedTokenException(Rejection.TOO_LARGE, "token longer than " + MAX_LENGTH + " characters");
    }
    TokenFormat.Parsed parsed = TokenFormat.parse(text);
    if (keys.isEmpty()) {
      return parsed.token(); // no keys: tokens are trusted as they come
    }
    if (parsed.keyId() == null) {
      throw new MalformedTokenException(Rejection.UNSIGNED, "unsigned token, but keys are configured");
    }
    if (!keys.knows(parsed.keyId())) {
      throw new MalformedTokenException(Rejection.UNKNOWN_KEY, "signed with an unknown key");
    }
    if (!keys.verifies(parsed.keyId(), parsed.signed(), parsed.signature())) {
      throw new MalformedTokenException(Rejection.BAD_SIGNATURE, "signature does not match");
    }
    return parsed.token();
  }

  /** Like {@link #decode(String)}, but a refused token is counted in {@link #rejections()} and becomes empty. */
  public LsnToken decodeOrEmpty(String text) {
    try {
      return decode(text);
    } catch (MalformedTokenException e) {
      reject(e.reason());
      return LsnToken.EMPTY;
    }
  }

  /**
   * Keeps only the clusters in {@code clusters}, counting each dropped entry as {@link Rejection#OTHER_CLUSTER}.
   * An empty set keeps everything (nothing known to judge by).
   */
  public LsnToken retainClusters(LsnToken token, Set<Long> clusters) {
    if (clusters.isEmpty() || clusters.containsAll(token.positions().keySet())) {
      return token;
    }
    return token.only(cluster -> {
      if (clusters.contains(cluster)) {
        return true;
      }
      reject(Rejection.OTHER_CLUSTER);
      return false;
    });
  }

  /** Counts a refusal decided elsewhere. */
  public void reject(Rejection reason) {
    rejections.get(reason).increment();
  }

  /** Refused tokens so far, by reason. */
  public Map<Rejection, Long> rejections() {
    Map<Rejection, Long> counts = new EnumMap<>(Rejection.class);
    rejections.forEach((reason, count) -> counts.put(reason, count.sum()));
    return Collections.unmodifiableMap(counts);
  }

  /** All refused tokens so far. */
  public long rejectedTotal() {
    return rejections.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /**
   * Counts an unsigned position from outside taken as it came, unchecked: its primary's position could not be read
   * in time to check it (the primary refusing connections, a network blip), and lowering it to an older read could
   * make a genuine token's read skip its wait.
   */
  public void countUnchecked() {
    unchecked.increment();
  }

  /** Positions taken unchecked so far (one per cluster of a token), see {@link #countUnchecked()}. */
  public long unchecked() {
    return unchecked.sum();
  }

  /** Counts a token that should have gone out (a response after commits) but could not be made: see the log. */
  public void countUnsent() {
    unsent.increment();
  }

  /** Tokens that could not be sent so far, see {@link #countUnsent()}. */
  public long unsent() {
    return unsent.sum();
  }

  /** Builds a signing codec: {@link #key} for each key, the first one signs. */
  public static final class Builder {
    private final TokenKeys.Collector keys = new TokenKeys.Collector();

    private Builder() {}

    /** Adds a key. The first key added signs; every key verifies. */
    public Builder key(String keyId, byte[] secret) {
      keys.add(keyId, secret);
      return this;
    }

    public TokenCodec build() {
      return new TokenCodec(keys.build());
    }
  }
}
