package dev.lsnwait.bench.web;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

/** Spring Data's repository of items: its reads are {@code @Transactional(readOnly = true)}. */
public interface Items extends JpaRepository<Item, Long> {

  List<Item> findTop10ByOwnerOrderByIdDesc(String owner);
}
