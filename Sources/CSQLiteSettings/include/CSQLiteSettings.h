#ifndef VITA_CSQLITE_SETTINGS_H
#define VITA_CSQLITE_SETTINGS_H

struct sqlite3;

/// Turns on SQLite's query planner stability guarantee (SQLITE_DBCONFIG_ENABLE_QPSG) for a connection: plans no
/// longer depend on bound values, so a cached statement is never re-prepared because a binding changed. Returns an
/// SQLite result code. (sqlite3_db_config is variadic, which Swift cannot call.)
int vita_sqlite_enable_qpsg(struct sqlite3 *db);

#endif
