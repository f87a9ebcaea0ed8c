package dev.lsnwait.internal.proxy;

import dev.lsnwait.internal.primary.SqlEffect;
import java.sql.SQLException;
import org.postgresql.copy.CopyDual;
import org.postgresql.copy.CopyIn;
import org.postgresql.util.ByteStreamWriter;

/** A COPY FROM under way: when it ends, the connection checks for a commit, as after a statement. */
class HookedCopy extends HookedCopyOperation implements CopyIn {

  private final CopyIn in;

  HookedCopy(ProxyConnection connection, CopyIn in) {
    super(connection, SqlEffect.WRITE, in);
    this.in = in;
  }

  /** A COPY both ways ({@code copyDual}): a COPY FROM that also reads. */
  static final class Dual extends HookedCopy implements CopyDual {
    private final CopyDual dual;

    Dual(ProxyConnection connection, CopyDual dual) {
      super(connection, dual);
      this.dual = dual;
    }

    @Override
    public byte[] readFromCopy() throws SQLException {
      return dual.readFromCopy();
    }

    @Override
    public byte[] readFromCopy(boolean block) throws SQLException {
      return dual.readFromCopy(block);
    }
  }

  @Override
  public final long endCopy() throws SQLException {
    try {
      return in.endCopy();
    } finally {
      end();
    }
  }

  @Override
  public void writeToCopy(byte[] buf, int off, int siz) throws SQLException {
    in.writeToCopy(buf, off, siz);
  }

  @Override
  public void writeToCopy(ByteStreamWriter from) throws SQLException {
    in.writeToCopy(from);
  }

  @Override
  public void flushCopy() throws SQLException {
    in.flushCopy();
  }
}
