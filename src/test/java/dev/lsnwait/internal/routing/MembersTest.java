package dev.lsnwait.internal.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lsnwait.internal.Setting;
import dev.lsnwait.internal.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MembersTest {

  private static int checkBound(String replicaWait, String timeout) throws Exception {
    return Members.checkBoundMillis(
        Settings.from(Map.of(Setting.REPLICA_WAIT, replicaWait, Setting.TIMEOUT, timeout)));
  }

  @Test
  void aReplicaCheckIsBoundedByTheReplicaWaitAtLeastOneSecondAndNeverBeyondTheTimeout() throws Exception {
    assertEquals(1000, checkBound("20ms", "5s"), "a busy healthy replica gets a second");
    assertEquals(3000, checkBound("3s", "5s"));
    assertEquals(500, checkBound("20ms", "500ms"), "never longer than a read may be held");
    assertEquals(1000, checkBound("0", "5s"));
  }
}
