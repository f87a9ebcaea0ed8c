package dev.lsnwait.internal.codegen;

import java.util.HashMap;
import java.util.Map;

/**
 * What the generated routing classes do with each method. A routing class passes most methods to the statement,
 * result set or connection that answers now; setters are recorded first, so that a statement placed on another
 * server finds them there. Methods not named here take their class from {@link ProxyMethods} (so a method nobody
 * classified fails the build here too): its hand-written ones must be written by hand here as well, the rest pass
 * through. Session methods are named here as hand-written so that forgetting one fails the build instead of
 * quietly changing only the primary.
 */
final class RoutingMethods {

  /** What the generated routing subclass does with a method. */
  enum Kind {
    /** Calls the same method on the object that answers now (wrapping a returned {@code ResultSet}). */
    PASS_THROUGH,
    /** Records the call as a statement option, then passes it through. */
    RECORD_OPTION,
    /** Records the call as a parameter (by index or name), then passes it through. */
    RECORD_PARAMETER,
    /** Must be written by hand in the abstract routing class. */
    HAND_WRITTEN
  }

  private static final Map<String, Kind> KINDS = new HashMap<>();

  static {
    classify("java.sql.Connection", Kind.HAND_WRITTEN,
        "abort close commit createStatement getAutoCommit getCatalog getClientInfo getHoldability getMetaData"
            + " getNetworkTimeout getSchema getTransactionIsolation getTypeMap isClosed isReadOnly isValid"
            + " prepareCall prepareStatement releaseSavepoint rollback setAutoCommit setCatalog setClientInfo"
            + " setHoldability setNetworkTimeout setReadOnly setSavepoint setSchema setTransactionIsolation"
            + " setTypeMap");
    classify("java.sql.Statement", Kind.HAND_WRITTEN, "close isClosed");
    classify("java.sql.Statement", Kind.RECORD_OPTION,
        "closeOnCompletion setCursorName setEscapeProcessing setFetchDirection setFetchSize setLargeMaxRows"
            + " setMaxFieldSize setMaxRows setPoolable setQueryTimeout");
    // pgjdbc's statement settings move with the statement too; its getters pass through (ProxyMethods).
    classify("org.postgresql.PGStatement", Kind.RECORD_OPTION,
        "setAdaptiveFetch setPrepareThreshold setUseServerPrepare");
    classify("java.sql.PreparedStatement", Kind.HAND_WRITTEN, "clearParameters");
    classify("java.sql.PreparedStatement", Kind.RECORD_PARAMETER,
        "setArray setAsciiStream setBigDecimal setBinaryStream setBlob setBoolean setByte setBytes"
            + " setCharacterStream setClob setDate setDouble setFloat setInt setLong setNCharacterStream setNClob"
            + " setNString setNull setObject setRef setRowId setSQLXML setShort setString setTime setTimestamp"
            + " setURL setUnicodeStream");
    classify("java.sql.CallableStatement", Kind.RECORD_PARAMETER,
        "registerOutParameter setAsciiStream setBigDecimal setBinaryStream setBlob setBoolean setByte setBytes"
            + " setCharacterStream setClob setDate setDouble setFloat setInt setLong setNCharacterStream setNClob"
            + " setNString setNull setObject setRowId setSQLXML setShort setString setTime setTimestamp setURL");
    // The server's own result set records commits of updatable rows; the routing one only passes through.
    classify("java.sql.ResultSet", Kind.PASS_THROUGH, "insertRow updateRow deleteRow refreshRow");
    classify("java.sql.DatabaseMetaData", Kind.PASS_THROUGH, "getURL");
  }

  private RoutingMethods() {}

  private static void classify(String type, Kind kind, String names) {
    ProxyMethods.classify(KINDS, type, kind, names);
  }

  /** The kind of the method {@code name} declared by {@code type}, or null if nobody classified it. */
  static Kind of(String type, String name) {
    Kind kind = KINDS.get(type + "#" + name);
    if (kind != null) {
      return kind;
    }
    ProxyMethods.Kind proxy = ProxyMethods.of(type, name);
    if (proxy == null) {
      return null;
    }
    return proxy == ProxyMethods.Kind.HAND_WRITTEN ? Kind.HAND_WRITTEN : Kind.PASS_THROUGH;
  }
}
