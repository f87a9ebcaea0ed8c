package dev.lsnwait.bench.web;

import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Items, a transaction per call: a write, and two reads marked read-only as Spring applications mark them. */
@Service
public class ItemService {

  private final Items items;

  public ItemService(Items items) {
    this.items = items;
  }

  @Transactional
  public Item create(String owner, String title) {
    return items.save(new Item(owner, title));
  }

  @Transactional(readOnly = true)
  public Optional<Item> find(long id) {
    return items.findById(id);
  }

  @Transactional(readOnly = true)
  public List<Item> latest(String owner) {
    return items.findTop10ByOwnerOrderByIdDesc(owner);
  }
}
