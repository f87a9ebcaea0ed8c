package dev.lsnwait.bench.web;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.CookieValue;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.util.HtmlUtils;

/**
 * Post/redirect/get: a form's POST creates an item and answers 303 to its page; the page shows the item and its
 * owner's latest items, two read-only transactions. The owner is the {@code user} cookie, as a session would say.
 */
@Controller
public class ItemPages {

  private final ItemService items;

  public ItemPages(ItemService items) {
    this.items = items;
  }

  @PostMapping(path = "/items", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
  public ResponseEntity<Void> create(@CookieValue("user") String user, @RequestParam("title") String title) {
    Item item = items.create(user, title);
    return ResponseEntity.status(HttpStatus.SEE_OTHER).location(URI.create("/items/" + item.getId())).build();
  }

  @GetMapping(path = "/items/{id}", produces = MediaType.TEXT_HTML_VALUE)
  public ResponseEntity<String> page(@CookieValue("user") String user, @PathVariable("id") long id) {
    Optional<Item> item = items.find(id);
    List<Item> latest = items.latest(user);
    StringBuilder html = new StringBuilder("<!doctype html><html><body>");
    item.ifPresentOrElse(
        found -> html.append("<h1 data-id=\"").append(found.getId()).append("\">")
            .append(HtmlUtils.htmlEscape(found.getTitle())).append("</h1>"),
        () -> html.append("<h1>No such item</h1>"));
    html.append("<h2>Your latest items</h2><ul>");
    for (Item mine : latest) {
      html.append("<li data-id=\"").append(mine.getId()).append("\"><a href=\"/items/").append(mine.getId())
          .append("\">").append(HtmlUtils.htmlEscape(mine.getTitle())).append("</a></li>");
    }
    html.append("</ul></body></html>");
    return ResponseEntity.status(item.isPresent() ? HttpStatus.OK : HttpStatus.NOT_FOUND).body(html.toString());
  }
}
