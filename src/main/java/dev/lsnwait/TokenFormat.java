package dev.lsnwait;

import java.util.Map;

/**
 * The text of a token, without keys: {@code v1.<cluster>-<lsn>[-<timeline>][_<cluster>-<lsn>[-<timeline>]...]
 * [.<key id>.<signature>]}, numbers in lower-case hexadecimal. The timeline came later: tokens without it (from
 * earlier versions, in cookies and job payloads) still parse. Parsing is strict and bounded; {@link TokenCodec} adds
 * signing and counting.
 */
final class TokenFormat {

  static final String VERSION = "v1.";
  static final int MAX_LENGTH = 1024;
  static final int MAX_ENTRIES = 16;
  static final int SIGNATURE_LENGTH = 43; // 32 bytes, base64url, no padding
  private static final int MAX_KEY_ID_LENGTH = 32;
  private static final int MAX_HEX_DIGITS = 16;

  /**
   * A parsed token text.
   *
   * @param keyId null if unsigned
   * @param signed the text the signature covers (everything before its dot), null if unsigned
   */
  record Parsed(LsnToken token, String keyId, String signed, String signature) {}

  private TokenFormat() {}

  /** The unsigned text of a non-empty token; a signature, if any, is appended by the caller. */
  static StringBuilder print(LsnToken token) {
    StringBuilder text = new StringBuilder(VERSION);
    boolean first = true;
    for (Map.Entry<Long, Lsn> entry : token.positions().entrySet()) {
      text.append(first ? "" : "_")
          .append(Long.toHexString(entry.getKey()))
          .append('-')
          .append(Long.toHexString(entry.getValue().asLong()));
      int timeline = token.timelineFor(entry.getKey());
      if (timeline != 0) {
        text.append('-').append(Integer.toHexString(timeline));
      }
      first = false;
    }
    return text;
  }

  /** Parses a non-empty text of at most {@link #MAX_LENGTH} characters. */
  static Parsed parse(String text) throws MalformedTokenException {
    if (!text.startsWith(VERSION)) {
      throw malformed("not a v1 token");
    }
    int entriesEnd = text.indexOf('.', VERSION.length());
    String entries = text.substring(VERSION.length(), entriesEnd < 0 ? text.length() : entriesEnd);
    LsnToken token = parseEntries(entries);
    if (entriesEnd < 0) {
      return new Parsed(token, null, null, null);
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
    return new Parsed(token, keyId, text.substring(0, keyEnd), signature);
  }

  private static LsnToken parseEntries(String entries) throws MalformedTokenException {
    LsnToken token = LsnToken.EMPTY;
    int count = 0;
    int start = 0;
    while (true) {
      if (count == MAX_ENTRIES) {
        throw new MalformedTokenException(
            TokenCodec.Rejection.TOO_MANY_ENTRIES, "more than " + MAX_ENTRIES + " clusters");
      }
      int end = entries.indexOf('_', start);
      if (end < 0) {
        end = entries.length();
      }
      int dash = entries.indexOf('-', start);
      if (dash < 0 || dash > end) {
        throw malformed("an entry is <cluster>-<lsn>[-<timeline>]");
      }
      int secondDash = entries.indexOf('-', dash + 1);
      int lsnEnd = secondDash < 0 || secondDash > end ? end : secondDash;
      long cluster = parseHex(entries, start, dash);
      long lsn = parseHex(entries, dash + 1, lsnEnd);
      long timeline = lsnEnd == end ? 0 : parseHex(entries, lsnEnd + 1, end);
      if (timeline < 0 || timeline > Integer.MAX_VALUE || (lsnEnd != end && timeline == 0)) {
        throw malformed("a timeline is 1 to 7fffffff");
      }
      if (token.lsnFor(cluster).isPresent()) {
        throw malformed("a cluster appears twice");
      }
      token = token.with(cluster, Lsn.of(lsn), (int) timeline);
      count++;
      if (end == entries.length()) {
        return token;
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

  /** 1 to 32 ASCII letters and digits. */
  static boolean isKeyId(String id) {
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

  static MalformedTokenException malformed(String why) {
    return new MalformedTokenException(TokenCodec.Rejection.MALFORMED, why);
  }
}
