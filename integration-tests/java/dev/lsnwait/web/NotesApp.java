package dev.lsnwait.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A tiny application written as anyone would, with no lsnwait code: POST writes a note on the primary, GET reads it
 * from the replica. The "writer" instance and the "reader" instance run as separate servers.
 */
public final class NotesApp {

  private NotesApp() {}

  /**
   * {@code POST /notes?id=N[&then=redirect|large|async]}: inserts note N, then redirects to {@code readerBase/notes/N},
   * streams a large flushed body, or does the insert in an async task.
   */
  public static HttpServlet writer(DataSource primary, String table, String readerBase) {
    return new HttpServlet() {
      @Override
      protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int id = Integer.parseInt(request.getParameter("id"));
        String then = String.valueOf(request.getParameter("then"));
        if (then.equals("async")) {
          AsyncContext async = request.startAsync();
          async.start(
              () -> {
                try {
                  insert(primary, table, id);
                  async.getResponse().getWriter().write("created " + id);
                } catch (SQLException | IOException e) {
                  ((HttpServletResponse) async.getResponse()).setStatus(500);
                }
                async.complete();
              });
          return;
        }
        try {
          insert(primary, table, id);
        } catch (SQLException e) {
          response.sendError(500, e.getMessage());
          return;
        }
        if (then.equals("redirect")) {
          response.sendRedirect(readerBase + "/notes/" + id);
        } else if (then.equals("large")) {
          OutputStream body = response.getOutputStream();
          byte[] chunk = new byte[8192];
          for (int i = 0; i < 128; i++) { // 1 MiB, flushed every 64 KiB
            body.write(chunk);
            if (i % 8 == 7) {
              body.flush();
            }
          }
        } else {
          response.setStatus(201);
          response.getWriter().write("created " + id);
        }
      }
    };
  }

  /** {@code GET /notes/N}: 200 "found" or 404 "missing", read from the replica ({@code ?async=1}: in an async task). */
  public static HttpServlet reader(DataSource replica, String table) {
    return new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int id = Integer.parseInt(request.getPathInfo().substring("/notes/".length()));
        if (request.getParameter("async") != null) {
          AsyncContext async = request.startAsync();
          async.start(
              () -> {
                answer(replica, table, id, (HttpServletResponse) async.getResponse());
                async.complete();
              });
          return;
        }
        answer(replica, table, id, response);
      }
    };
  }

  private static void answer(DataSource replica, String table, int id, HttpServletResponse response) {
    try (Connection c = replica.getConnection();
        PreparedStatement select = c.prepareStatement("SELECT note FROM " + table + " WHERE id = ?")) {
      select.setInt(1, id);
      try (ResultSet row = select.executeQuery()) {
        boolean found = row.next();
        response.setStatus(found ? 200 : 404);
        response.getWriter().write(found ? "found" : "missing");
      }
    } catch (SQLException | IOException e) {
      response.setStatus(503);
    }
  }

  private static void insert(DataSource primary, String table, int id) throws SQLException {
    try (Connection c = primary.getConnection();
        PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " VALUES (?, 'web')")) {
      insert.setInt(1, id);
      insert.executeUpdate();
    }
  }
}
