package dev.lsnwait.internal.codegen;

import dev.lsnwait.spring.TrackerHealth;
import java.io.File;
import java.util.List;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.modifier.TypeManifestation;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.MethodCall;
import net.bytebuddy.jar.asm.Opcodes;

/**
 * Writes {@code dev.lsnwait.spring.LsnWaitSpringBoot3HealthIndicator}: Spring Boot 3's
 * {@code org.springframework.boot.actuate.health.HealthIndicator} (moved in Spring Boot 4), so that one jar, built
 * against Spring Boot 4, has a health indicator on both. Its one method is
 * {@code return Health.up().withDetail("replicas", TrackerHealth.replicas()).build();}, written from the types' names
 * alone: Spring Boot 3 is not needed to build it, and the class is loaded only where Spring Boot 3 is.
 */
final class SpringBoot3Health {

  static final String CLASS_NAME = "dev.lsnwait.spring.LsnWaitSpringBoot3HealthIndicator";
  private static final String PACKAGE = "org.springframework.boot.actuate.health.";

  private SpringBoot3Health() {}

  /** A type known by its name only: no type variables, methods or fields of its own to look at. */
  private static TypeDescription named(String name, int modifiers, TypeDescription.Generic superClass) {
    return new TypeDescription.Latent(name, modifiers, superClass) {
      @Override
      public net.bytebuddy.description.type.TypeList.Generic getTypeVariables() {
        return new net.bytebuddy.description.type.TypeList.Generic.Empty();
      }

      @Override
      public net.bytebuddy.description.method.MethodList<MethodDescription.InDefinedShape> getDeclaredMethods() {
        return new net.bytebuddy.description.method.MethodList.Empty<>();
      }

      @Override
      public net.bytebuddy.description.field.FieldList<net.bytebuddy.description.field.FieldDescription.InDefinedShape>
          getDeclaredFields() {
        return new net.bytebuddy.description.field.FieldList.Empty<>();
      }

      @Override
      public net.bytebuddy.description.annotation.AnnotationList getDeclaredAnnotations() {
        return new net.bytebuddy.description.annotation.AnnotationList.Empty();
      }

      @Override
      public TypeDescription getDeclaringType() {
        return null; // top level, or treated as such: only its name is written
      }

      @Override
      public TypeDescription getEnclosingType() {
        return null;
      }

      @Override
      public MethodDescription.InDefinedShape getEnclosingMethod() {
        return null;
      }

      @Override
      public net.bytebuddy.description.type.TypeList getDeclaredTypes() {
        return new net.bytebuddy.description.type.TypeList.Empty();
      }

      @Override
      public boolean isAnonymousType() {
        return false;
      }

      @Override
      public boolean isLocalType() {
        return false;
      }

      @Override
      public TypeDescription getNestHost() {
        return this;
      }

      @Override
      public net.bytebuddy.description.type.TypeList getNestMembers() {
        return new net.bytebuddy.description.type.TypeList.Explicit(this);
      }

      @Override
      public net.bytebuddy.description.type.TypeList getPermittedSubtypes() {
        return new net.bytebuddy.description.type.TypeList.Empty();
      }

      @Override
      public boolean isRecord() {
        return false;
      }
    };
  }

  static void generate(ByteBuddy byteBuddy, File classes) throws Exception {
    TypeDescription.Generic object = TypeDescription.Generic.OfNonGenericType.ForLoadedType.of(Object.class);
    TypeDescription indicator = named(PACKAGE + "HealthIndicator",
        Opcodes.ACC_PUBLIC | Opcodes.ACC_INTERFACE | Opcodes.ACC_ABSTRACT, null);
    TypeDescription health = named(PACKAGE + "Health", Opcodes.ACC_PUBLIC, object);
    TypeDescription builder = named(PACKAGE + "Health$Builder", Opcodes.ACC_PUBLIC, object);
    MethodDescription up = new MethodDescription.Latent(health, new MethodDescription.Token("up",
        Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, builder.asGenericType(), List.of()));
    MethodDescription withDetail = new MethodDescription.Latent(builder, new MethodDescription.Token("withDetail",
        Opcodes.ACC_PUBLIC, builder.asGenericType(),
        List.of(TypeDescription.Generic.OfNonGenericType.ForLoadedType.of(String.class), object)));
    MethodDescription build = new MethodDescription.Latent(builder, new MethodDescription.Token("build",
        Opcodes.ACC_PUBLIC, health.asGenericType(), List.of()));
    byteBuddy
        .subclass(Object.class)
        .implement(indicator)
        .name(CLASS_NAME)
        .modifiers(Visibility.PUBLIC, TypeManifestation.FINAL)
        .defineMethod("health", health, Visibility.PUBLIC)
        .intercept(MethodCall.invoke(build).onMethodCall(MethodCall.invoke(withDetail)
            .onMethodCall(MethodCall.invoke(up))
            .with("replicas")
            .withMethodCall(MethodCall.invoke(TrackerHealth.class.getMethod("replicas")))))
        .make()
        .saveIn(classes);
  }
}
