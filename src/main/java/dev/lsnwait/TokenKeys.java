package dev.lsnwait;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The HMAC-SHA256 keys of a {@link TokenCodec}: the first signs, every one verifies. Immutable once built. */
final class TokenKeys {

  static final TokenKeys NONE = new TokenKeys(null, Map.of());
  /** The shortest key accepted, in bytes (HMAC-SHA256's output size). */
  static final int MIN_KEY_BYTES = 32;
  private static final String ALGORITHM = "HmacSHA256";

  private final String signingKeyId;
  private final Map<String, Mac> verifiers; // key id to an initialised prototype, cloned per use

  private TokenKeys(String signingKeyId, Map<String, Mac> verifiers) {
    this.signingKeyId = signingKeyId;
    this.verifiers = verifiers;
  }

  boolean isEmpty() {
    return verifiers.isEmpty();
  }

  String signingKeyId() {
    return signingKeyId;
  }

  boolean knows(String keyId) {
    return verifiers.containsKey(keyId);
  }

  /** The signature of {@code signed} with the key {@code keyId}, base64url without padding. */
  String sign(String keyId, CharSequence signed) {
    Mac mac;
    try {
      mac = (Mac) verifiers.get(keyId).clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("lsnwait: HMAC-SHA256 cannot be cloned", e);
    }
    byte[] digest = mac.doFinal(signed.toString().getBytes(StandardCharsets.US_ASCII));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
  }

  /** Whether {@code signature} is the signature of {@code signed} with a known key {@code keyId}, in constant time. */
  boolean verifies(String keyId, String signed, String signature) {
    byte[] expected = sign(keyId, signed).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
  }

  /** Collects keys in order. */
  static final class Collector {
    private final Map<String, Mac> keys = new LinkedHashMap<>();

    void add(String keyId, byte[] secret) {
      if (keyId == null || !TokenFormat.isKeyId(keyId)) {
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
    }

    /** Adds {@code id=base64key[,id=base64key...]}; errors name the entry, never the key. */
    void addAll(String list) {
      for (String entry : list.split(",")) {
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
        add(id, secret);
      }
    }

    TokenKeys build() {
      if (keys.isEmpty()) {
        throw new IllegalStateException("lsnwait: no key given; use TokenCodec.unsigned() for none");
      }
      return new TokenKeys(keys.keySet().iterator().next(), Map.copyOf(keys));
    }
  }
}
