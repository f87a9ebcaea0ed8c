package dev.lsnwait.internal.primary;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one load of a database's catalog proved: the function names none of whose overloads can write, every
 * function name there was, the relations whose reading may write, and whether operators or casts may.
 */
final class KnownWriters implements WriteLookup {

  private final Set<String> readOnlyFunctions;
  private final Set<String> functions;
  private final Set<String> writingRelations;
  private final boolean everyReadMayWrite;
  private final Set<String> writingElsewhere;
  private final Set<String> settingFunctions; // functions whose source may set the session's settings
  private final Set<String> customSettings; // the custom settings their sources name

  KnownWriters(Set<String> readOnlyFunctions, Set<String> functions, Set<String> writingRelations,
      boolean everyReadMayWrite, Set<String> writingElsewhere, Map<String, Set<String>> settingFunctions) {
    this.readOnlyFunctions = Set.copyOf(readOnlyFunctions);
    this.functions = Set.copyOf(functions);
    this.writingRelations = Set.copyOf(writingRelations);
    this.everyReadMayWrite = everyReadMayWrite;
    this.writingElsewhere = Set.copyOf(writingElsewhere);
    this.settingFunctions = Set.copyOf(settingFunctions.keySet());
    Set<String> custom = new HashSet<>();
    settingFunctions.values().forEach(custom::addAll);
    this.customSettings = Set.copyOf(custom);
  }

  @Override
  public boolean functionSetsSession(String name) {
    return settingFunctions.contains(name);
  }

  /** The custom settings ({@code app.tenant}) that the sources of functions setting the session name. */
  Set<String> customSettings() {
    return customSettings;
  }

  @Override
  public boolean functionWritesElsewhere(String name) {
    return WriteLookup.super.functionWritesElsewhere(name) || writingElsewhere.contains(name);
  }

  @Override
  public boolean functionMayWrite(String name) {
    return !readOnlyFunctions.contains(name);
  }

  /** Whether the database had a function of this name when it was read (if not, it may have been made since). */
  boolean hasFunction(String name) {
    return functions.contains(name);
  }

  @Override
  public boolean attributeMayWrite(String name) {
    return functions.contains(name) && !readOnlyFunctions.contains(name);
  }

  @Override
  public boolean relationMayWrite(String name) {
    return writingRelations.contains(name);
  }

  @Override
  public boolean everyReadMayWrite() {
    return everyReadMayWrite;
  }
}
