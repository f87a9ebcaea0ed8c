package dev.lsnwait.spring;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers the health indicator the build generated for Spring Boot 3's health API
 * ({@code LsnWaitSpringBoot3HealthIndicator}), by its class, so that Actuator finds it by type.
 */
final class SpringBoot3HealthRegistrar implements ImportBeanDefinitionRegistrar {

  static final String BEAN = "lsnWaitHealthIndicator";

  @Override
  public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    if (registry.containsBeanDefinition(BEAN)) {
      return;
    }
    try {
      Class<?> indicator = Class.forName("dev.lsnwait.spring.LsnWaitSpringBoot3HealthIndicator", true,
          SpringBoot3HealthRegistrar.class.getClassLoader());
      registry.registerBeanDefinition(BEAN, new RootBeanDefinition(indicator));
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("lsnwait: the generated Spring Boot 3 health indicator is missing", e);
    }
  }
}
