package dev.lsnwait.internal.registry;

import dev.lsnwait.Lsn;
import dev.lsnwait.LsnWaitListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The registered {@link LsnWaitListener}s, heard as one. With none registered (the usual case without metrics) each
 * event costs a volatile read. A listener that throws is logged once per failure and skipped.
 */
public final class Listeners implements LsnWaitListener {

  private static final System.Logger LOG = System.getLogger("dev.lsnwait");

  private final CopyOnWriteArrayList<LsnWaitListener> all = new CopyOnWriteArrayList<>();

  public void add(LsnWaitListener listener) {
    all.addIfAbsent(listener);
  }

  public void remove(LsnWaitListener listener) {
    all.remove(listener);
  }

  @Override
  public WaitEnd waitStarted(String replica, Lsn target) {
    if (all.isEmpty()) {
      return WaitEnd.NONE;
    }
    List<WaitEnd> ends = new ArrayList<>(all.size());
    for (LsnWaitListener listener : all) {
      try {
        ends.add(listener.waitStarted(replica, target));
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "lsnwait: a listener failed", e);
      }
    }
    return outcome -> {
      for (WaitEnd end : ends) {
        try {
          end.ended(outcome);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "lsnwait: a listener failed", e);
        }
      }
    };
  }

  @Override
  public void routed(String target, String reason) {
    for (LsnWaitListener listener : all) {
      try {
        listener.routed(target, reason);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "lsnwait: a listener failed", e);
      }
    }
  }
}
