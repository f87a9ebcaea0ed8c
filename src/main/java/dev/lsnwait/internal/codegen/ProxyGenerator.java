package dev.lsnwait.internal.codegen;

import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isDefaultMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;

import dev.lsnwait.internal.proxy.ProxyCallableStatement;
import dev.lsnwait.internal.proxy.ProxyConnection;
import dev.lsnwait.internal.proxy.ProxyDatabaseMetaData;
import dev.lsnwait.internal.proxy.ProxyFactory;
import dev.lsnwait.internal.proxy.ProxyPreparedStatement;
import dev.lsnwait.internal.proxy.ProxyResultSet;
import dev.lsnwait.internal.proxy.ProxyStatement;
import java.io.File;
import java.lang.reflect.Method;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.modifier.TypeManifestation;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.subclass.ConstructorStrategy;
import net.bytebuddy.implementation.MethodCall;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * Build-time generator (run by Maven in process-classes; not in the jar). For each hand-written abstract proxy it
 * writes a final subclass whose remaining JDBC methods call the same method on the pgjdbc object, and methods that
 * return a {@link ResultSet} wrap it. Then it rewrites the placeholder methods of {@link ProxyFactory} to call the
 * generated constructors. The output is plain bytecode: Byte Buddy is not needed at run time.
 */
public final class ProxyGenerator {

  private static final ClassFileVersion TARGET = ClassFileVersion.JAVA_V17;

  private final File classes;
  private final ByteBuddy byteBuddy = new ByteBuddy(TARGET);

  private ProxyGenerator(File classes) {
    this.classes = classes;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: ProxyGenerator <classes directory>");
    }
    new ProxyGenerator(new File(args[0])).run();
  }

  private void run() throws Exception {
    List<Generated> generated = new ArrayList<>();
    generated.add(generate("connection", ProxyConnection.class, "delegate", null));
    generated.add(generate("statement", ProxyStatement.class, "delegate", "wrapResultSet"));
    generated.add(generate("preparedStatement", ProxyPreparedStatement.class, "prepared", "wrapResultSet"));
    generated.add(generate("callableStatement", ProxyCallableStatement.class, "callable", "wrapResultSet"));
    generated.add(generate("resultSet", ProxyResultSet.class, "delegate", null));
    generated.add(generate("databaseMetaData", ProxyDatabaseMetaData.class, "delegate", "wrapResultSet"));
    rewriteFactory(generated);
  }

  /**
   * @param factoryMethod the {@link ProxyFactory} method that constructs this proxy
   * @param delegateField the field of the abstract class holding the pgjdbc object, typed as precisely as possible
   * @param resultSetWrapper a method of the abstract class that wraps returned result sets, or null
   */
  private Generated generate(String factoryMethod, Class<?> base, String delegateField, String resultSetWrapper)
      throws Exception {
    String name = base.getPackageName() + ".LsnWait" + base.getSimpleName();
    ElementMatcher.Junction<MethodDescription> passThrough = isAbstract().or(isDefaultMethod());
    DynamicType.Builder<?> builder =
        byteBuddy
            .subclass(base, ConstructorStrategy.Default.IMITATE_SUPER_CLASS_OPENING)
            .name(name)
            .modifiers(Visibility.PUBLIC, TypeManifestation.FINAL)
            .method(passThrough)
            .intercept(MethodCall.invokeSelf().onField(delegateField).withAllArguments());
    if (resultSetWrapper != null) {
      Method wrapper = findMethod(base, resultSetWrapper);
      builder =
          builder
              .method(passThrough.and(returns(ResultSet.class)))
              .intercept(
                  MethodCall.invoke(wrapper)
                      .withMethodCall(MethodCall.invokeSelf().onField(delegateField).withAllArguments()));
    }
    DynamicType.Unloaded<?> type = builder.make();
    type.saveIn(classes);
    return new Generated(factoryMethod, type.getTypeDescription());
  }

  private static Method findMethod(Class<?> type, String name) throws NoSuchMethodException {
    for (Class<?> current = type; current != null; current = current.getSuperclass()) {
      for (Method method : current.getDeclaredMethods()) {
        if (method.getName().equals(name)) {
          return method;
        }
      }
    }
    throw new NoSuchMethodException(type.getName() + "." + name);
  }

  private void rewriteFactory(List<Generated> generated) throws Exception {
    ClassFileLocator locator =
        new ClassFileLocator.Compound(
            new ClassFileLocator.ForFolder(classes), ClassFileLocator.ForClassLoader.of(ProxyGenerator.class.getClassLoader()));
    TypeDescription factory = TypePool.Default.of(locator).describe(ProxyFactory.class.getName()).resolve();
    DynamicType.Builder<?> builder = byteBuddy.redefine(factory, locator);
    for (Generated proxy : generated) {
      MethodDescription constructor = proxy.type.getDeclaredMethods().filter(isConstructor()).getOnly();
      builder = builder.method(named(proxy.factoryMethod)).intercept(MethodCall.construct(constructor).withAllArguments());
    }
    builder.make().saveIn(classes);
  }

  private record Generated(String factoryMethod, TypeDescription type) {}
}
