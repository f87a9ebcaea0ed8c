package dev.lsnwait.bench.web;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A record a user creates: the web benchmark's one entity. */
@Entity
@Table(name = "bench_web_item")
public class Item {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  private String owner;

  private String title;

  protected Item() {}

  public Item(String owner, String title) {
    this.owner = owner;
    this.title = title;
  }

  public Long getId() {
    return id;
  }

  public String getOwner() {
    return owner;
  }

  public String getTitle() {
    return title;
  }
}
