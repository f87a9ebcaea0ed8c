package dev.lsnwait.internal.codegen;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.lsnwait.internal.proxy.ProxyCallableStatement;
import dev.lsnwait.internal.proxy.ProxyPgConnection;
import dev.lsnwait.internal.proxy.ProxyDatabaseMetaData;
import dev.lsnwait.internal.proxy.ProxyFactory;
import dev.lsnwait.internal.proxy.ProxyPreparedStatement;
import dev.lsnwait.internal.proxy.ProxyResultSet;
import dev.lsnwait.internal.proxy.ProxyStatement;
import dev.lsnwait.internal.routing.Recorded;
import dev.lsnwait.internal.routing.RoutingCallableStatement;
import dev.lsnwait.internal.routing.RoutingConnection;
import dev.lsnwait.internal.routing.RoutingDatabaseMetaData;
import dev.lsnwait.internal.routing.RoutingFactory;
import dev.lsnwait.internal.routing.RoutingPreparedStatement;
import dev.lsnwait.internal.routing.RoutingResultSet;
import dev.lsnwait.internal.routing.RoutingStatement;
import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.modifier.TypeManifestation;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.subclass.ConstructorStrategy;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.implementation.MethodCall;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.implementation.bytecode.assign.Assigner.Typing;
import net.bytebuddy.pool.TypePool;
import org.postgresql.PGStatement;

/**
 * Build-time generator (run by Maven in process-classes; not in the jar). For each hand-written abstract proxy it
 * writes a final subclass whose remaining methods call the same method on the pgjdbc object, as {@link ProxyMethods}
 * classifies them: methods that return a {@link ResultSet} wrap it, metadata queries wait on a replica first. A
 * method the table does not classify, or a hand-written one left abstract, fails the build. Then it rewrites the
 * placeholder methods of {@link ProxyFactory} to call the generated constructors. The output is plain bytecode:
 * Byte Buddy is not needed at run time.
 */
public final class ProxyGenerator {

  private static final ClassFileVersion TARGET = ClassFileVersion.JAVA_V17;
  private static final String PG_STATEMENT = PGStatement.class.getName();

  private final File classes;
  private final ByteBuddy byteBuddy = new ByteBuddy(TARGET);
  private final List<String> unclassified = new ArrayList<>();
  private final ClassFileLocator locator;
  /**
   * Types read from their class files, not reflection: reflection's method order changes from run to run, and the
   * generated classes' with it; in class-file order the build is reproducible.
   */
  private final TypePool types;

  private ProxyGenerator(File classes) {
    this.classes = classes;
    this.locator = new ClassFileLocator.Compound(
        new ClassFileLocator.ForFolder(classes),
        ClassFileLocator.ForClassLoader.of(ProxyGenerator.class.getClassLoader()));
    this.types = TypePool.Default.of(locator);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: ProxyGenerator <classes directory>");
    }
    new ProxyGenerator(new File(args[0])).run();
  }

  private void run() throws Exception {
    List<Generated> generated = new ArrayList<>();
    generated.add(generate("connection", ProxyPgConnection.class,
        Map.of("org.postgresql.PGConnection", "pg"), "delegate"));
    Map<String, String> pgStatement = Map.of(PG_STATEMENT, "delegate");
    generated.add(generate("statement", ProxyStatement.class, pgStatement, "delegate"));
    generated.add(generate("preparedStatement", ProxyPreparedStatement.class, pgStatement, "prepared"));
    generated.add(generate("callableStatement", ProxyCallableStatement.class, pgStatement, "callable"));
    generated.add(generate("resultSet", ProxyResultSet.class, Map.of(), "delegate"));
    generated.add(generate("databaseMetaData", ProxyDatabaseMetaData.class, Map.of(), "delegate"));
    List<Generated> routing = new ArrayList<>();
    routing.add(generateRouting("connection", RoutingConnection.class, Map.of("java.sql.Connection", "primary")));
    routing.add(generateRouting("statement", RoutingStatement.class,
        Map.of("java.sql.Statement", "target", PG_STATEMENT, "target")));
    routing.add(generateRouting("preparedStatement", RoutingPreparedStatement.class,
        Map.of("java.sql.Statement", "target", PG_STATEMENT, "target",
            "java.sql.PreparedStatement", "preparedTarget")));
    routing.add(generateRouting("callableStatement", RoutingCallableStatement.class,
        Map.of("java.sql.Statement", "target", PG_STATEMENT, "target",
            "java.sql.PreparedStatement", "preparedTarget", "java.sql.CallableStatement", "callableTarget")));
    routing.add(generateRouting("resultSet", RoutingResultSet.class, Map.of()));
    routing.add(generateRouting("databaseMetaData", RoutingDatabaseMetaData.class, Map.of()));
    routing.add(generateNoopStatement());
    generateRecordedCalls();
    if (!unclassified.isEmpty()) {
      throw new IllegalStateException("lsnwait's proxies meet JDBC methods nobody classified (add each to"
          + " ProxyMethods or RoutingMethods, or write it by hand if it executes SQL or holds state):\n  "
          + String.join("\n  ", unclassified));
    }
    rewriteFactory(ProxyFactory.class, generated);
    rewriteFactory(RoutingFactory.class, routing);
    SpringBoot3Health.generate(byteBuddy, classes);
  }

  /**
   * A final subclass of a routing class: methods pass to what the named method returns ({@code target()}, ...) by
   * declaring interface, or to the field {@code delegate}; setters are recorded first (see {@link RoutingMethods}).
   */
  private Generated generateRouting(String factoryMethod, Class<?> base, Map<String, String> targetsByInterface)
      throws Exception {
    DynamicType.Builder<?> builder = finalSubclass(base);
    Method wrapper = findMethod(base, "wrapResultSet");
    for (Method method : base.getMethods()) {
      if (!Modifier.isAbstract(method.getModifiers()) && !method.isDefault()) {
        continue;
      }
      String declaring = method.getDeclaringClass().getName();
      RoutingMethods.Kind kind = RoutingMethods.of(declaring, method.getName());
      if (kind == null || kind == RoutingMethods.Kind.HAND_WRITTEN) {
        notGenerated(base, method, kind == null ? " is not classified" : " must be written by hand, and is not");
        continue;
      }
      // A setter goes to the statement bound now, or nowhere (it is recorded, and made when one is bound).
      String target = kind == RoutingMethods.Kind.PASS_THROUGH || targetsByInterface.get(declaring) == null
          ? targetsByInterface.get(declaring) : "recording" + capitalized(targetsByInterface.get(declaring));
      MethodCall call = target == null
          ? MethodCall.invoke(method).onField("delegate").withAllArguments()
          : MethodCall.invoke(method).onMethodCall(MethodCall.invoke(findMethod(base, target))).withAllArguments();
      Implementation implementation =
          method.getReturnType() == ResultSet.class && wrapper != null
              ? MethodCall.invoke(wrapper).withMethodCall(call) : castForPgjdbc(method, call);
      if (kind != RoutingMethods.Kind.PASS_THROUGH) {
        Method record =
            findMethod(base, kind == RoutingMethods.Kind.RECORD_OPTION ? "recordOption" : "recordParameter");
        implementation = MethodCall.invoke(record).with(Recorded.signature(method)).withArgumentArray()
            .andThen(implementation);
      }
      builder = builder
          .method(named(method.getName()).and(takesArguments(method.getParameterTypes())))
          .intercept(implementation);
    }
    return save(factoryMethod, builder);
  }

  /**
   * @param factoryMethod the {@link ProxyFactory} method that constructs this proxy
   * @param fieldsByInterface the field holding the pgjdbc object for methods of these interfaces
   * @param delegateField the field for every other method, typed as precisely as possible
   */
  private Generated generate(
      String factoryMethod, Class<?> base, Map<String, String> fieldsByInterface, String delegateField)
      throws Exception {
    DynamicType.Builder<?> builder = finalSubclass(base);
    Method wrapper = findMethod(base, "wrapResultSet");
    Method beforeQuery = findMethod(base, "beforeMetadataQuery");
    for (Method method : base.getMethods()) {
      if (!Modifier.isAbstract(method.getModifiers()) && !method.isDefault()) {
        continue; // written by hand, or Object's
      }
      String declaring = method.getDeclaringClass().getName();
      ProxyMethods.Kind kind = ProxyMethods.of(declaring, method.getName());
      if (kind == null || kind == ProxyMethods.Kind.HAND_WRITTEN) {
        notGenerated(base, method, kind == null ? " is not classified" : " must be written by hand, and is not");
        continue;
      }
      boolean returnsResultSet = method.getReturnType() == ResultSet.class;
      if (kind == ProxyMethods.Kind.METADATA_QUERY && !returnsResultSet) {
        notGenerated(base, method, " is a metadata query but returns no ResultSet");
        continue;
      }
      String field = fieldsByInterface.getOrDefault(declaring, delegateField);
      MethodCall call = MethodCall.invoke(method).onField(field).withAllArguments();
      Implementation implementation =
          returnsResultSet ? MethodCall.invoke(wrapper).withMethodCall(call) : castForPgjdbc(method, call);
      if (kind == ProxyMethods.Kind.METADATA_QUERY) {
        implementation = MethodCall.invoke(beforeQuery).andThen(implementation);
      }
      builder = builder
          .method(named(method.getName()).and(takesArguments(method.getParameterTypes())))
          .intercept(implementation);
    }
    return save(factoryMethod, builder);
  }

  /**
   * pgjdbc's statements are {@link PGStatement}s, but the JDBC types that hold them (the proxies' fields, the routing
   * targets) do not say so: a call of a PGStatement method casts. Any other mismatch still fails the build.
   */
  private static Implementation castForPgjdbc(Method method, MethodCall call) {
    return method.getDeclaringClass() == PGStatement.class
        ? call.withAssigner(Assigner.DEFAULT, Typing.DYNAMIC) : call;
  }

  /**
   * For every setter a routing statement records, a {@link Recorded.Call} that makes it again on another statement:
   * {@code ((PreparedStatement) statement).setInt((Integer) arguments[0], (Integer) arguments[1])}, and so on.
   */
  private void generateRecordedCalls() throws Exception {
    for (Method method : Recorded.recordable()) {
      MethodCall call = MethodCall.invoke(method).onArgument(0);
      if (method.getParameterCount() > 0) {
        call = call.withArgumentArrayElements(1, 0, method.getParameterCount());
      }
      byteBuddy
          .subclass(Object.class)
          .implement(Recorded.Call.class)
          .name(Recorded.callClassName(method))
          .modifiers(Visibility.PUBLIC, TypeManifestation.FINAL)
          .method(named("apply"))
          .intercept(call.withAssigner(Assigner.DEFAULT, Typing.DYNAMIC))
          .make()
          .saveIn(classes);
    }
  }

  /** Notes a method the build cannot generate; the build fails on any after all proxies were tried. */
  private void notGenerated(Class<?> base, Method method, String why) {
    unclassified.add(base.getSimpleName() + ": " + method.getDeclaringClass().getName() + "." + method.getName()
        + Arrays.toString(method.getParameterTypes()) + why);
  }

  private static String capitalized(String name) {
    return Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  /**
   * A statement that ignores every call and answers defaults: where a routing statement's setters go while it is bound
   * to no server yet (they are recorded, and made on the statement it binds to).
   */
  private Generated generateNoopStatement() throws Exception {
    DynamicType.Builder<?> builder = byteBuddy
        .subclass(Object.class)
        .implement(types.describe(java.sql.CallableStatement.class.getName()).resolve(),
            types.describe(PG_STATEMENT).resolve())
        .name(RoutingFactory.class.getPackageName() + ".LsnWaitRoutingNoopStatement")
        .modifiers(Visibility.PUBLIC, TypeManifestation.FINAL)
        .method(net.bytebuddy.matcher.ElementMatchers.isDeclaredBy(
            net.bytebuddy.matcher.ElementMatchers.isInterface()))
        .intercept(net.bytebuddy.implementation.StubMethod.INSTANCE);
    return save("noopStatement", builder);
  }

  /** The public final subclass {@code LsnWait<Base>} of a hand-written abstract class, its constructor imitated. */
  private DynamicType.Builder<?> finalSubclass(Class<?> base) {
    return byteBuddy
        .subclass(types.describe(base.getName()).resolve(), ConstructorStrategy.Default.IMITATE_SUPER_CLASS_OPENING)
        .name(base.getPackageName() + ".LsnWait" + base.getSimpleName())
        .modifiers(Visibility.PUBLIC, TypeManifestation.FINAL);
  }

  private Generated save(String factoryMethod, DynamicType.Builder<?> builder) throws Exception {
    DynamicType.Unloaded<?> made = builder.make();
    made.saveIn(classes);
    return new Generated(factoryMethod, made.getTypeDescription());
  }

  private static Method findMethod(Class<?> type, String name) {
    for (Class<?> current = type; current != null; current = current.getSuperclass()) {
      for (Method method : current.getDeclaredMethods()) {
        if (method.getName().equals(name)) {
          return method;
        }
      }
    }
    return null;
  }

  private void rewriteFactory(Class<?> factoryClass, List<Generated> generated) throws Exception {
    TypeDescription factory = types.describe(factoryClass.getName()).resolve();
    DynamicType.Builder<?> builder = byteBuddy.redefine(factory, locator);
    for (Generated proxy : generated) {
      MethodDescription constructor = proxy.type.getDeclaredMethods().filter(isConstructor()).getOnly();
      builder =
          builder.method(named(proxy.factoryMethod)).intercept(MethodCall.construct(constructor).withAllArguments());
    }
    builder.make().saveIn(classes);
  }

  private record Generated(String factoryMethod, TypeDescription type) {}
}
