package dev.lsnwait.internal.codegen;

import java.util.HashMap;
import java.util.Map;

/**
 * Every method of every interface the proxies implement, by name, and what the generator does with it. A method the
 * table does not name (a new JDBC or pgjdbc version added it) fails the build: a new {@code execute} overload must
 * never pass through unnoticed and skip the read-your-writes hooks. Overloads share their name's class.
 */
final class ProxyMethods {

  /** What the generated subclass does with a method. */
  enum Kind {
    /** Calls the same method on the pgjdbc object (wrapping a returned {@code ResultSet}). */
    PASS_THROUGH,
    /** Waits on a replica, then calls through and wraps the result set: a metadata query reads the catalog. */
    METADATA_QUERY,
    /** Must be written by hand in the abstract proxy: it runs hooks. Left abstract, it fails the build. */
    HAND_WRITTEN
  }

  private static final Map<String, Kind> KINDS = new HashMap<>();

  static {
    classify("java.sql.Wrapper", Kind.HAND_WRITTEN, "unwrap isWrapperFor");
    classify("java.lang.AutoCloseable", Kind.PASS_THROUGH, "close");

    classify("java.sql.Connection", Kind.HAND_WRITTEN,
        "commit rollback setAutoCommit setTransactionIsolation createStatement prepareStatement prepareCall"
            + " getMetaData");
    classify("java.sql.Connection", Kind.PASS_THROUGH,
        "abort beginRequest clearWarnings close createArrayOf createBlob createClob createNClob createSQLXML"
            + " createStruct endRequest getAutoCommit getCatalog getClientInfo getHoldability getNetworkTimeout"
            + " getSchema getTransactionIsolation getTypeMap getWarnings isClosed isReadOnly isValid nativeSQL"
            + " releaseSavepoint setCatalog setClientInfo setHoldability setNetworkTimeout setReadOnly"
            + " setSavepoint setSchema setShardingKey setShardingKeyIfValid setTypeMap");

    classify("org.postgresql.PGConnection", Kind.HAND_WRITTEN,
        "getCopyAPI getLargeObjectAPI getFastpathAPI alterUserPassword");
    classify("org.postgresql.PGConnection", Kind.PASS_THROUGH,
        "addDataType cancelQuery createArrayOf escapeIdentifier escapeLiteral getAdaptiveFetch getAutosave"
            + " getBackendPID getDefaultFetchSize getNotifications getParameterStatus getParameterStatuses"
            + " getPreferQueryMode getPrepareThreshold getQueryTimeout getReplicationAPI setAdaptiveFetch setAutosave"
            + " setDefaultFetchSize setPrepareThreshold setQueryTimeout");

    classify("java.sql.Statement", Kind.HAND_WRITTEN,
        "execute executeQuery executeUpdate executeLargeUpdate executeBatch executeLargeBatch addBatch clearBatch"
            + " getConnection");
    classify("java.sql.Statement", Kind.PASS_THROUGH,
        "cancel clearWarnings close closeOnCompletion enquoteIdentifier enquoteLiteral enquoteNCharLiteral"
            + " getFetchDirection getFetchSize getGeneratedKeys getLargeMaxRows getLargeUpdateCount"
            + " getMaxFieldSize getMaxRows getMoreResults getQueryTimeout getResultSet getResultSetConcurrency"
            + " getResultSetHoldability getResultSetType getUpdateCount getWarnings isCloseOnCompletion isClosed"
            + " isPoolable isSimpleIdentifier setCursorName setEscapeProcessing setFetchDirection setFetchSize"
            + " setLargeMaxRows setMaxFieldSize setMaxRows setPoolable setQueryTimeout");

    // pgjdbc's public statement API: settings and the last result's OID, no SQL, like setFetchSize and
    // getUpdateCount. Anything it adds that executes must be written by hand.
    classify("org.postgresql.PGStatement", Kind.PASS_THROUGH,
        "getAdaptiveFetch getLastOID getPrepareThreshold isUseServerPrepare setAdaptiveFetch setPrepareThreshold"
            + " setUseServerPrepare");

    classify("java.sql.PreparedStatement", Kind.HAND_WRITTEN,
        "execute executeQuery executeUpdate executeLargeUpdate addBatch");
    classify("java.sql.PreparedStatement", Kind.PASS_THROUGH,
        "clearParameters getMetaData getParameterMetaData setArray setAsciiStream setBigDecimal setBinaryStream"
            + " setBlob setBoolean setByte setBytes setCharacterStream setClob setDate setDouble setFloat setInt"
            + " setLong setNCharacterStream setNClob setNString setNull setObject setRef setRowId setSQLXML"
            + " setShort setString setTime setTimestamp setURL setUnicodeStream");

    classify("java.sql.CallableStatement", Kind.PASS_THROUGH,
        "getArray getBigDecimal getBlob getBoolean getByte getBytes getCharacterStream getClob getDate getDouble"
            + " getFloat getInt getLong getNCharacterStream getNClob getNString getObject getRef getRowId getSQLXML"
            + " getShort getString getTime getTimestamp getURL registerOutParameter setAsciiStream setBigDecimal"
            + " setBinaryStream setBlob setBoolean setByte setBytes setCharacterStream setClob setDate setDouble"
            + " setFloat setInt setLong setNCharacterStream setNClob setNString setNull setObject setRowId"
            + " setSQLXML setShort setString setTime setTimestamp setURL wasNull");

    classify("java.sql.ResultSet", Kind.HAND_WRITTEN, "insertRow updateRow deleteRow refreshRow getStatement");
    classify("java.sql.ResultSet", Kind.PASS_THROUGH,
        "absolute afterLast beforeFirst cancelRowUpdates clearWarnings close findColumn first getArray"
            + " getAsciiStream getBigDecimal getBinaryStream getBlob getBoolean getByte getBytes getCharacterStream"
            + " getClob getConcurrency getCursorName getDate getDouble getFetchDirection getFetchSize getFloat"
            + " getHoldability getInt getLong getMetaData getNCharacterStream getNClob getNString getObject getRef"
            + " getRow getRowId getSQLXML getShort getString getTime getTimestamp getType getURL getUnicodeStream"
            + " getWarnings isAfterLast isBeforeFirst isClosed isFirst isLast last moveToCurrentRow"
            + " moveToInsertRow next previous relative rowDeleted rowInserted rowUpdated setFetchDirection"
            + " setFetchSize updateArray updateAsciiStream updateBigDecimal updateBinaryStream updateBlob"
            + " updateBoolean updateByte updateBytes updateCharacterStream updateClob updateDate updateDouble"
            + " updateFloat updateInt updateLong updateNCharacterStream updateNClob updateNString updateNull"
            + " updateObject updateRef updateRowId updateSQLXML updateShort updateString updateTime"
            + " updateTimestamp wasNull");

    classify("java.sql.DatabaseMetaData", Kind.HAND_WRITTEN, "getConnection getURL");
    classify("java.sql.DatabaseMetaData", Kind.METADATA_QUERY,
        "getAttributes getBestRowIdentifier getCatalogs getClientInfoProperties getColumnPrivileges getColumns"
            + " getCrossReference getExportedKeys getFunctionColumns getFunctions getImportedKeys getIndexInfo"
            + " getPrimaryKeys getProcedureColumns getProcedures getPseudoColumns getSchemas getSuperTables"
            + " getSuperTypes getTablePrivileges getTableTypes getTables getTypeInfo getUDTs getVersionColumns");
    classify("java.sql.DatabaseMetaData", Kind.PASS_THROUGH,
        "allProceduresAreCallable allTablesAreSelectable autoCommitFailureClosesAllResultSets"
            + " dataDefinitionCausesTransactionCommit dataDefinitionIgnoredInTransactions deletesAreDetected"
            + " doesMaxRowSizeIncludeBlobs generatedKeyAlwaysReturned getCatalogSeparator getCatalogTerm"
            + " getDatabaseMajorVersion getDatabaseMinorVersion getDatabaseProductName getDatabaseProductVersion"
            + " getDefaultTransactionIsolation getDriverMajorVersion getDriverMinorVersion getDriverName"
            + " getDriverVersion getExtraNameCharacters getIdentifierQuoteString getJDBCMajorVersion"
            + " getJDBCMinorVersion getMaxBinaryLiteralLength getMaxCatalogNameLength getMaxCharLiteralLength"
            + " getMaxColumnNameLength getMaxColumnsInGroupBy getMaxColumnsInIndex getMaxColumnsInOrderBy"
            + " getMaxColumnsInSelect getMaxColumnsInTable getMaxConnections getMaxCursorNameLength"
            + " getMaxIndexLength getMaxLogicalLobSize getMaxProcedureNameLength getMaxRowSize"
            + " getMaxSchemaNameLength getMaxStatementLength getMaxStatements getMaxTableNameLength"
            + " getMaxTablesInSelect getMaxUserNameLength getNumericFunctions getProcedureTerm"
            + " getResultSetHoldability getRowIdLifetime getSQLKeywords getSQLStateType getSchemaTerm"
            + " getSearchStringEscape getStringFunctions getSystemFunctions getTimeDateFunctions getUserName"
            + " insertsAreDetected isCatalogAtStart isReadOnly locatorsUpdateCopy nullPlusNonNullIsNull"
            + " nullsAreSortedAtEnd nullsAreSortedAtStart nullsAreSortedHigh nullsAreSortedLow"
            + " othersDeletesAreVisible othersInsertsAreVisible othersUpdatesAreVisible ownDeletesAreVisible"
            + " ownInsertsAreVisible ownUpdatesAreVisible storesLowerCaseIdentifiers"
            + " storesLowerCaseQuotedIdentifiers storesMixedCaseIdentifiers storesMixedCaseQuotedIdentifiers"
            + " storesUpperCaseIdentifiers storesUpperCaseQuotedIdentifiers supportsANSI92EntryLevelSQL"
            + " supportsANSI92FullSQL supportsANSI92IntermediateSQL supportsAlterTableWithAddColumn"
            + " supportsAlterTableWithDropColumn supportsBatchUpdates supportsCatalogsInDataManipulation"
            + " supportsCatalogsInIndexDefinitions supportsCatalogsInPrivilegeDefinitions"
            + " supportsCatalogsInProcedureCalls supportsCatalogsInTableDefinitions supportsColumnAliasing"
            + " supportsConvert supportsCoreSQLGrammar supportsCorrelatedSubqueries"
            + " supportsDataDefinitionAndDataManipulationTransactions supportsDataManipulationTransactionsOnly"
            + " supportsDifferentTableCorrelationNames supportsExpressionsInOrderBy supportsExtendedSQLGrammar"
            + " supportsFullOuterJoins supportsGetGeneratedKeys supportsGroupBy supportsGroupByBeyondSelect"
            + " supportsGroupByUnrelated supportsIntegrityEnhancementFacility supportsLikeEscapeClause"
            + " supportsLimitedOuterJoins supportsMinimumSQLGrammar supportsMixedCaseIdentifiers"
            + " supportsMixedCaseQuotedIdentifiers supportsMultipleOpenResults supportsMultipleResultSets"
            + " supportsMultipleTransactions supportsNamedParameters supportsNonNullableColumns"
            + " supportsOpenCursorsAcrossCommit supportsOpenCursorsAcrossRollback"
            + " supportsOpenStatementsAcrossCommit supportsOpenStatementsAcrossRollback supportsOrderByUnrelated"
            + " supportsOuterJoins supportsPositionedDelete supportsPositionedUpdate supportsRefCursors"
            + " supportsResultSetConcurrency supportsResultSetHoldability supportsResultSetType supportsSavepoints"
            + " supportsSchemasInDataManipulation supportsSchemasInIndexDefinitions"
            + " supportsSchemasInPrivilegeDefinitions supportsSchemasInProcedureCalls"
            + " supportsSchemasInTableDefinitions supportsSelectForUpdate supportsSharding"
            + " supportsStatementPooling supportsStoredFunctionsUsingCallSyntax supportsStoredProcedures"
            + " supportsSubqueriesInComparisons supportsSubqueriesInExists supportsSubqueriesInIns"
            + " supportsSubqueriesInQuantifieds supportsTableCorrelationNames supportsTransactionIsolationLevel"
            + " supportsTransactions supportsUnion supportsUnionAll updatesAreDetected usesLocalFilePerTable"
            + " usesLocalFiles");
  }

  private ProxyMethods() {}

  private static void classify(String type, Kind kind, String names) {
    classify(KINDS, type, kind, names);
  }

  /** Puts each of the space-separated method {@code names} of {@code type} in {@code table}; twice is a mistake. */
  static <K> void classify(Map<String, K> table, String type, K kind, String names) {
    for (String name : names.split(" ")) {
      if (table.put(type + "#" + name, kind) != null) {
        throw new IllegalStateException(type + "#" + name + " is classified twice");
      }
    }
  }

  /** The kind of the method {@code name} declared by {@code type}, or null if nobody classified it. */
  static Kind of(String type, String name) {
    return KINDS.get(type + "#" + name);
  }
}
