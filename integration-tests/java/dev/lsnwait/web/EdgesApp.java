package dev.lsnwait.web;

import jakarta.servlet.Filter;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Servlets that commit at awkward moments, written as anyone would, with no lsnwait code: after much of the body,
 * then forwarding, with a Content-Length header, or in a filter that runs before lsnwait's.
 */
public final class EdgesApp {

  private EdgesApp() {}

  /**
   * {@code POST /write/after-body?id=N}: writes 12,000 characters, then inserts N, then a little more;
   * {@code POST /write/then-forward?id=N}: inserts N, then forwards to {@code /read/N};
   * {@code POST /write/content-length?id=N}: inserts N, then sends exactly its Content-Length (set as a header).
   */
  public static HttpServlet writer(DataSource primary, String table) {
    return new HttpServlet() {
      @Override
      protected void doPost(HttpServletRequest request, HttpServletResponse response)
          throws IOException, ServletException {
        int id = Integer.parseInt(request.getParameter("id"));
        switch (request.getPathInfo()) {
          case "/after-body" -> {
            PrintWriter body = response.getWriter();
            body.write("x".repeat(12_000));
            insert(primary, table, id);
            body.write("done");
          }
          case "/then-forward" -> {
            insert(primary, table, id);
            request.getRequestDispatcher("/read/" + id).forward(request, response);
          }
          case "/content-length" -> {
            insert(primary, table, id);
            response.setHeader("Content-Length", "10");
            response.getOutputStream().write("0123456789".getBytes());
          }
          default -> response.sendError(404);
        }
      }
    };
  }

  /** {@code GET /read/N} (or a forward there): 200 "found" or 404 "missing", read from the replica. */
  public static HttpServlet reader(DataSource replica, String table) {
    return new HttpServlet() {
      @Override
      protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() != null ? request.getPathInfo()
            : String.valueOf(request.getAttribute("jakarta.servlet.forward.path_info"));
        int id = Integer.parseInt(path.substring(1));
        try (Connection c = replica.getConnection();
            PreparedStatement select = c.prepareStatement("SELECT 1 FROM " + table + " WHERE id = ?")) {
          select.setInt(1, id);
          try (ResultSet row = select.executeQuery()) {
            boolean found = row.next();
            response.setStatus(found ? 200 : 404);
            response.getWriter().write(found ? "found" : "missing");
          }
        } catch (SQLException e) {
          response.sendError(503, e.getMessage());
        }
      }
    };
  }

  /** A filter before lsnwait's that records every POST in an audit row ({@code ?audit=N}) before the servlet runs. */
  public static Filter audit(DataSource primary, String table) {
    return (request, response, chain) -> {
      String audit = request.getParameter("audit");
      if (audit != null) {
        insert(primary, table, Integer.parseInt(audit));
      }
      chain.doFilter(request, response);
    };
  }

  static void insert(DataSource primary, String table, int id) {
    try (Connection c = primary.getConnection();
        PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " VALUES (?, 'edge')")) {
      insert.setInt(1, id);
      insert.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
