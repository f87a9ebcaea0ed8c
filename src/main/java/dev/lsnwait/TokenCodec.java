package dev.lsnwait;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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
 * {@link #rejections()} and is dropped. Instances are immutable apart from the counters, and thread-safe.
 */
public final class TokenCodec {

  /** The HTTP header that carries a token, by default ({@code LsnWaitFilter}, {@code HttpClientPropagation}). */
  public static final String DEFAULT_HEADER = "LsnWait-Token";

  /** The longest token text accepted. */
  public static final int MAX_LENGTH = 1024;
  /** The most clusters one token may name. */
  public static final int MAX_ENTRIES = 16;
  /** The shortest key accepted, in bytes (HMAC-SHA256's output size). */
  public static final int MIN_KEY_BYTES = 32;

  private static final String VERSION = "v1.";
  private static final String ALGORITHM = "HmacSHA256";
  private static final int SIGNATURE_LENGTH = 43; // 32 bytes, base64url, no padding
  private static final int MAX_KEY_ID_LENGTH = 32;
  private static final int MAX_HEX_DIGITS = 16;

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
    OTHER_CLUSTER
  }

  private final String signingKeyId;
  private final Map<String, Mac> verifiers; // key id to an initialised prototype, cloned per use
  private final Map<Rejection, LongAdder> rejections = new EnumMap<>(Rejection.class);

  private TokenCodec(String signingKeyId, Map<String, Mac> verifiers) {
    this.signingKeyId = signingKeyId;
    this.verifiers = verifiers;
    for (Rejection rejection : Rejection.values()) {
      rejections.put(rejection, new LongAdder());
    }
  }

  /** A codec without keys: tokens are neither signed nor verified. */
  public static TokenCodec unsigned() {
    return new TokenCodec(null, Map.of());
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
    Builder builder = builder();
    for (String entry : keys.split(",")) {
      int equals = entry.indexOf('=');
      if (equals <= 0) {
        throw new IllegalArgumentException("lsnwait: a key entry must be id=base64key");
      }
      String id = entry.substring(0, equals).trim();
      byte[] secret;
      try {
        secret = Base64.getDecoder().decode(entry.substring(equals + 1).trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("lsnwait: key '" + id + "' is not base64");
      }
      builder.key(id, secret);
    }
    return builder.build();
  }

  /** Whether this codec signs and verifies. */
  public boolean isSigned() {
    return signingKeyId != null;
  }

  /** The wire form of {@code token}; the empty string for an empty token. */
  public String encode(LsnToken token) {
    if (token.isEmpty()) {
      return "";
    }
    if (token.positions().size() > MAX_ENTRIES) {
      throw new IllegalArgumentException("lsnwait: a token names at most " + MAX_ENTRIES + " clusters");
    }
    StringBuilder text = new StringBuilder(VERSION);
    boolean first = true;
    for (Map.Entry<Long, Lsn> entry : token.positions().entrySet()) {
      text.append(first ? "" : "_")
          .append(Long.toHexString(entry.getKey()))
          .append('-')
          .append(Long.toHexString(entry.getValue().asLong()));
      first = false;
    }
    if (signingKeyId != null) {
      text.append('.').append(signingKeyId);
      String signature = sign(signingKeyId, text); // over everything before the signature's dot
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
    if (!text.startsWith(VERSION)) {
      throw malformed("not a v1 token");
    }
    int entriesEnd = text.indexOf('.', VERSION.length());
    String entries = text.substring(VERSION.length(), entriesEnd < 0 ? text.length() : entriesEnd);
    LsnToken token = parseEntries(entries);
    if (entriesEnd < 0) {
      if (!verifiers.isEmpty()) {
        throw new MalformedTokenException(Rejection.UNSIGNED, "unsigned token, but keys are configured");
      }
      return token;
    }
    int keyEnd = text.indexOf('.', entriesEnd + 1);
    if (keyEnd < 0 || text.indexOf('.', keyEnd + 1) >= 0) {
      throw malformed("a signed token is v1.<entries>.<key id>.<signature>");
    }
    String keyId = text.substring(entriesEnd + 1, keyEnd);
    String signature = text.substring(keyEnd + 1);
    if (!isKeyId(keyId) || signature.length() != SIGNATURE_LENGTH) {
      throw malformed("bad key id or signature length");
    }
    if (verifiers.isEmpty()) {
      return token; // no keys: tokens are trusted as they come
    }
    if (!verifiers.containsKey(keyId)) {
      throw new MalformedTokenException(Rejection.UNKNOWN_KEY, "signed with an unknown key");
    }
    byte[] expected = sign(keyId, text.substring(0, keyEnd)).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
      throw new MalformedTokenException(Rejection.BAD_SIGNATURE, "signature does not match");
    }
    return token;
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
    Map<Long, Lsn> kept = new LinkedHashMap<>();
    token.positions().forEach((cluster, lsn) -> {
      if (clusters.contains(cluster)) {
        kept.put(cluster, lsn);
      } else {
        reject(Rejection.OTHER_CLUSTER);
      }
    });
    return LsnToken.of(kept);
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

  private static LsnToken parseEntries(String entries) throws MalformedTokenException {
    Map<Long, Lsn> positions = new LinkedHashMap<>();
    int start = 0;
    while (true) {
      if (positions.size() == MAX_ENTRIES) {
        throw new MalformedTokenException(Rejection.TOO_MANY_ENTRIES, "more than " + MAX_ENTRIES + " clusters");
      }
      int end = entries.indexOf('_', start);
      if (end < 0) {
        end = entries.length();
      }
      int dash = entries.indexOf('-', start);
      if (dash < 0 || dash > end) {
        throw malformed("an entry is <cluster>-<lsn>");
      }
      long cluster = parseHex(entries, start, dash);
      long lsn = parseHex(entries, dash + 1, end);
      if (positions.put(cluster, Lsn.of(lsn)) != null) {
        throw malformed("a cluster appears twice");
      }
      if (end == entries.length()) {
        return LsnToken.of(positions);
      }
      start = end + 1;
    }
  }

  private static long parseHex(String text, int from, int to) throws MalformedTokenException {
    if (to <= from || to - from > MAX_HEX_DIGITS) {
      throw malformed("a number is 1 to 16 hexadecimal digits");
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (digit < 0) {
        throw malformed("a number is lower-case hexadecimal");
      }
      value = value << 4 | digit;
    }
    return value;
  }

  private static boolean isKeyId(String id) {
    if (id.isEmpty() || id.length() > MAX_KEY_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')) {
        return false;
      }
    }
    return true;
  }

  private static MalformedTokenException malformed(String why) {
    return new MalformedTokenException(Rejection.MALFORMED, why);
  }

  private String sign(String keyId, CharSequence signed) {
    Mac mac;
    try {
      mac = (Mac) verifiers.get(keyId).clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("lsnwait: HMAC-SHA256 cannot be cloned", e);
    }
    byte[] digest = mac.doFinal(signed.toString().getBytes(StandardCharsets.US_ASCII));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }

  /** Builds a signing codec: {@link #key} for each key, the first one signs. */
  public static final class Builder {
    private final Map<String, Mac> keys = new LinkedHashMap<>();

    private Builder() {}

    /** Adds a key. The first key added signs; every key verifies. */
    public Builder key(String keyId, byte[] secret) {
      if (keyId == null || !isKeyId(keyId)) {
        throw new IllegalArgumentException("lsnwait: a key id is 1 to 32 letters and digits");
      }
      if (secret == null || secret.length < MIN_KEY_BYTES) {
        throw new IllegalArgumentException(
            "lsnwait: key '" + keyId + "' is shorter than " + MIN_KEY_BYTES + " bytes");
      }
      if (keys.containsKey(keyId)) {
        throw new IllegalArgumentException("lsnwait: key '" + keyId + "' is given twice");
      }
      try {
        Mac mac = Mac.getInstance(ALGORITHM);
        mac.init(new SecretKeySpec(secret, ALGORITHM));
        keys.put(keyId, mac);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("lsnwait: HMAC-SHA256 is not available", e);
      }
      return this;
    }

    public TokenCodec build() {
      if (keys.isEmpty()) {
        throw new IllegalStateException("lsnwait: no key given; use TokenCodec.unsigned() for none");
      }
      return new TokenCodec(keys.keySet().iterator().next(), Map.copyOf(keys));
    }
  }
}
