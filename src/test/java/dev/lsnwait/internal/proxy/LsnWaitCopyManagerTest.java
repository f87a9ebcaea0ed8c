package dev.lsnwait.internal.proxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.copy.CopyManager;

/** A COPY method a future pgjdbc adds to CopyManager must not slip past the hooks: this fails until it is wrapped. */
class LsnWaitCopyManagerTest {

  @Test
  void everyPublicMethodOfPgjdbcsCopyManagerIsOverridden() {
    List<String> missing = new ArrayList<>();
    for (Method method : CopyManager.class.getDeclaredMethods()) {
      if (!Modifier.isPublic(method.getModifiers()) || Modifier.isStatic(method.getModifiers())) {
        continue;
      }
      try {
        LsnWaitCopyManager.class.getDeclaredMethod(method.getName(), method.getParameterTypes());
      } catch (NoSuchMethodException e) {
        missing.add(method.toString());
      }
    }
    assertTrue(missing.isEmpty(), "not wrapped: " + missing);
  }
}
