//! Migration operations: what changed between two states, how each one
//! changes a state, and its inverse.

use super::state::{ColumnState, State, TableState};
use crate::error::{Error, Result};
use crate::value::SqlType;

/// One change to the schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// Creates a table and its indexes.
    CreateTable(TableState),
    /// Drops a table.
    DropTable(TableState),
    /// Renames a table.
    RenameTable {
        /// Its old name.
        from: String,
        /// Its new name.
        to: String,
    },
    /// Adds a column.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: ColumnState,
        /// The value the rows already there get (SQL literal text of the
        /// column's type), for a `NOT NULL` column.
        default: Option<String>,
    },
    /// Removes a column (and its data).
    RemoveColumn {
        /// The table.
        table: String,
        /// The column as it was.
        column: ColumnState,
    },
    /// Renames a column.
    RenameColumn {
        /// The table.
        table: String,
        /// Its old name.
        from: String,
        /// Its new name.
        to: String,
    },
    /// Changes a column's type, nullability, uniqueness, foreign key or index.
    AlterColumn {
        /// The table.
        table: String,
        /// The column before.
        from: ColumnState,
        /// The column after.
        to: ColumnState,
        /// The value NULLs become when the column turns `NOT NULL`.
        default: Option<String>,
    },
    /// Makes a group of columns unique together.
    AddUnique {
        /// The table.
        table: String,
        /// The columns.
        columns: Vec<String>,
    },
    /// Drops a group's unique constraint.
    RemoveUnique {
        /// The table.
        table: String,
        /// The columns.
        columns: Vec<String>,
    },
    /// Creates an index on several columns.
    AddIndex {
        /// The table.
        table: String,
        /// The columns.
        columns: Vec<String>,
    },
    /// Drops an index on several columns.
    RemoveIndex {
        /// The table.
        table: String,
        /// The columns.
        columns: Vec<String>,
    },
}

fn missing(what: String) -> Error {
    Error::Migration {
        message: format!("{what} is not in the migration state"),
    }
}

impl Operation {
    /// Changes `state` as the operation changes the database.
    pub fn apply(&self, state: &mut State) -> Result<()> {
        let table = |state: &mut State, name: &str| -> Result<usize> {
            state
                .tables
                .iter()
                .position(|t| t.name == name)
                .ok_or_else(|| missing(format!("table `{name}`")))
        };
        match self {
            Operation::CreateTable(t) => state.tables.push(t.clone()),
            Operation::DropTable(t) => {
                let i = table(state, &t.name)?;
                state.tables.remove(i);
            }
            Operation::RenameTable { from, to } => {
                let i = table(state, from)?;
                state.tables[i].name = to.clone();
                for t in &mut state.tables {
                    for c in &mut t.columns {
                        if let Some((target, _)) = &mut c.references {
                            if target == from {
                                *target = to.clone();
                            }
                        }
                    }
                }
            }
            Operation::AddColumn {
                table: t, column, ..
            } => {
                let i = table(state, t)?;
                state.tables[i].columns.push(column.clone());
            }
            Operation::RemoveColumn { table: t, column } => {
                let i = table(state, t)?;
                state.tables[i].columns.retain(|c| c.name != column.name);
            }
            Operation::RenameColumn { table: t, from, to } => {
                let i = table(state, t)?;
                let c = state.tables[i]
                    .columns
                    .iter_mut()
                    .find(|c| c.name == *from)
                    .ok_or_else(|| missing(format!("column `{t}.{from}`")))?;
                if c.field == *from {
                    c.field = to.clone();
                }
                c.name = to.clone();
            }
            Operation::AlterColumn { table: t, to, .. } => {
                let i = table(state, t)?;
                let c = state.tables[i]
                    .columns
                    .iter_mut()
                    .find(|c| c.name == to.name)
                    .ok_or_else(|| missing(format!("column `{t}.{}`", to.name)))?;
                *c = to.clone();
            }
            Operation::AddUnique { table: t, columns } => {
                let i = table(state, t)?;
                state.tables[i].unique_together.push(columns.clone());
            }
            Operation::RemoveUnique { table: t, columns } => {
                let i = table(state, t)?;
                state.tables[i].unique_together.retain(|g| g != columns);
            }
            Operation::AddIndex { table: t, columns } => {
                let i = table(state, t)?;
                state.tables[i].indexes.push(columns.clone());
            }
            Operation::RemoveIndex { table: t, columns } => {
                let i = table(state, t)?;
                state.tables[i].indexes.retain(|g| g != columns);
            }
        }
        Ok(())
    }

    /// The operation that undoes this one. A column removed comes back
    /// empty: `NOT NULL` ones hold the type's zero value.
    pub fn inverse(&self) -> Operation {
        match self {
            Operation::CreateTable(t) => Operation::DropTable(t.clone()),
            Operation::DropTable(t) => Operation::CreateTable(t.clone()),
            Operation::RenameTable { from, to } => Operation::RenameTable {
                from: to.clone(),
                to: from.clone(),
            },
            Operation::AddColumn { table, column, .. } => Operation::RemoveColumn {
                table: table.clone(),
                column: column.clone(),
            },
            Operation::RemoveColumn { table, column } => Operation::AddColumn {
                table: table.clone(),
                column: column.clone(),
                default: (!column.nullable).then(|| zero(column.sql_type).to_owned()),
            },
            Operation::RenameColumn { table, from, to } => Operation::RenameColumn {
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            },
            Operation::AlterColumn {
                table,
                from,
                to,
                default: _,
            } => Operation::AlterColumn {
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
                default: (to.nullable && !from.nullable).then(|| zero(from.sql_type).to_owned()),
            },
            Operation::AddUnique { table, columns } => Operation::RemoveUnique {
                table: table.clone(),
                columns: columns.clone(),
            },
            Operation::RemoveUnique { table, columns } => Operation::AddUnique {
                table: table.clone(),
                columns: columns.clone(),
            },
            Operation::AddIndex { table, columns } => Operation::RemoveIndex {
                table: table.clone(),
                columns: columns.clone(),
            },
            Operation::RemoveIndex { table, columns } => Operation::AddIndex {
                table: table.clone(),
                columns: columns.clone(),
            },
        }
    }

    /// What it does, for the migration file and the terminal.
    pub fn describe(&self, state: &State) -> String {
        let model = |table: &str| {
            state
                .table(table)
                .map(|t| t.model.clone())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| table.to_owned())
        };
        match self {
            Operation::CreateTable(t) => format!("Create table `{}` ({})", t.name, t.model),
            Operation::DropTable(t) => format!("Drop table `{}` ({})", t.name, t.model),
            Operation::RenameTable { from, to } => format!("Rename table `{from}` to `{to}`"),
            Operation::AddColumn {
                table,
                column,
                default,
            } => format!(
                "Add column `{}` to {}{}",
                column.name,
                model(table),
                default
                    .as_ref()
                    .map(|d| format!(" (rows there: {d})"))
                    .unwrap_or_default()
            ),
            Operation::RemoveColumn { table, column } => {
                format!("Remove column `{}` from {}", column.name, model(table))
            }
            Operation::RenameColumn { table, from, to } => {
                format!("Rename column `{from}` of {} to `{to}`", model(table))
            }
            Operation::AlterColumn { table, to, .. } => {
                format!("Alter column `{}` of {}", to.name, model(table))
            }
            Operation::AddUnique { table, columns } => {
                format!(
                    "Make ({}) of {} unique together",
                    columns.join(", "),
                    model(table)
                )
            }
            Operation::RemoveUnique { table, columns } => format!(
                "Drop the unique constraint on ({}) of {}",
                columns.join(", "),
                model(table)
            ),
            Operation::AddIndex { table, columns } => {
                format!("Index ({}) of {}", columns.join(", "), model(table))
            }
            Operation::RemoveIndex { table, columns } => {
                format!(
                    "Drop the index on ({}) of {}",
                    columns.join(", "),
                    model(table)
                )
            }
        }
    }
}

/// The zero value of a type, as the text [`super::ddl::literal`] reads.
pub(crate) fn zero(t: SqlType) -> &'static str {
    match t {
        SqlType::Bool => "false",
        SqlType::SmallInt | SqlType::Int | SqlType::BigInt => "0",
        SqlType::Real | SqlType::Double | SqlType::Decimal => "0",
        SqlType::Text | SqlType::Blob => "",
        SqlType::Date => "1970-01-01",
        SqlType::Time => "00:00:00",
        SqlType::Timestamp | SqlType::TimestampTz => "1970-01-01 00:00:00",
    }
}

/// The value for the rows there of `column` becoming `NOT NULL` in
/// `table`: the field's literal default, else the answer to the question.
fn value_for(table: &TableState, column: &ColumnState, ask: &mut dyn Questioner) -> Result<String> {
    if let Some((_, v)) = table.defaults.iter().find(|(c, _)| *c == column.name) {
        return Ok(v.clone());
    }
    ask.default_for(table, column)
        .ok_or_else(|| stopped(table, column))
}

/// What to ask the user while diffing.
pub trait Questioner {
    /// The value for the rows already in `table` of a new (or newly
    /// `NOT NULL`) column; `None` stops.
    fn default_for(&mut self, table: &TableState, column: &ColumnState) -> Option<String>;
    /// Whether `old` (gone) was renamed `new` (added) in `table`.
    fn renamed_column(&mut self, table: &TableState, old: &ColumnState, new: &ColumnState) -> bool;
    /// Whether table `old` (gone) was renamed `new` (added).
    fn renamed_table(&mut self, old: &TableState, new: &TableState) -> bool;
}

/// The operations from `old` to `new`: tables created (those referenced
/// first), columns added, altered, renamed or removed, tables dropped (those
/// that reference others first).
pub fn diff(old: &State, new: &State, ask: &mut dyn Questioner) -> Result<Vec<Operation>> {
    let mut ops = Vec::new();
    let mut old = old.clone();
    // Tables marked `renamed_from` on their model.
    for n in &new.tables {
        let Some(before) = &n.renamed_from else {
            continue;
        };
        if old.table(&n.name).is_some() {
            continue;
        }
        let g = old
            .tables
            .iter()
            .find(|g| (g.model == *before || g.name == *before) && new.table(&g.name).is_none())
            .map(|g| g.name.clone());
        if let Some(g) = g {
            let op = Operation::RenameTable {
                from: g,
                to: n.name.clone(),
            };
            op.apply(&mut old)?;
            ops.push(op);
        }
    }
    // Renamed tables: a table gone and one added with the same columns.
    let gone: Vec<TableState> = old
        .tables
        .iter()
        .filter(|t| new.table(&t.name).is_none())
        .cloned()
        .collect();
    for g in &gone {
        let candidate = new.tables.iter().find(|n| {
            old.table(&n.name).is_none()
                && n.columns.len() == g.columns.len()
                && n.columns
                    .iter()
                    .zip(&g.columns)
                    .all(|(a, b)| a.same_definition(b))
        });
        if let Some(n) = candidate {
            if ask.renamed_table(g, n) {
                let op = Operation::RenameTable {
                    from: g.name.clone(),
                    to: n.name.clone(),
                };
                op.apply(&mut old)?;
                ops.push(op);
            }
        }
    }
    let created: Vec<&TableState> = new
        .tables
        .iter()
        .filter(|t| old.table(&t.name).is_none())
        .collect();
    for t in creation_order(&created)? {
        ops.push(Operation::CreateTable(t.clone()));
    }
    for n in &new.tables {
        let Some(o) = old.table(&n.name).cloned() else {
            continue;
        };
        let mut removed: Vec<&ColumnState> = o
            .columns
            .iter()
            .filter(|c| n.column(&c.name).is_none())
            .collect();
        for c in &n.columns {
            match o.column(&c.name) {
                Some(before) if before == c => {}
                Some(before) => {
                    let default = if before.nullable && !c.nullable {
                        Some(value_for(n, c, ask)?)
                    } else {
                        None
                    };
                    ops.push(Operation::AlterColumn {
                        table: n.name.clone(),
                        from: before.clone(),
                        to: c.clone(),
                        default,
                    });
                }
                None => {
                    // Marked `renamed_from` on its field: renamed, then
                    // altered if its definition changed too.
                    let marked =
                        n.renames
                            .iter()
                            .find(|(col, _)| *col == c.name)
                            .and_then(|(_, before)| {
                                removed
                                    .iter()
                                    .position(|r| r.field == *before || r.name == *before)
                            });
                    if let Some(i) = marked {
                        let r = removed.remove(i);
                        ops.push(Operation::RenameColumn {
                            table: n.name.clone(),
                            from: r.name.clone(),
                            to: c.name.clone(),
                        });
                        if !r.same_definition(c) {
                            let from = ColumnState {
                                name: c.name.clone(),
                                field: c.field.clone(),
                                ..r.clone()
                            };
                            let default = if from.nullable && !c.nullable {
                                Some(value_for(n, c, ask)?)
                            } else {
                                None
                            };
                            ops.push(Operation::AlterColumn {
                                table: n.name.clone(),
                                from,
                                to: c.clone(),
                                default,
                            });
                        }
                        continue;
                    }
                    let renamed = removed
                        .iter()
                        .position(|r| r.same_definition(c) && ask.renamed_column(n, r, c));
                    if let Some(i) = renamed {
                        let r = removed.remove(i);
                        ops.push(Operation::RenameColumn {
                            table: n.name.clone(),
                            from: r.name.clone(),
                            to: c.name.clone(),
                        });
                        continue;
                    }
                    let default = if c.nullable {
                        None
                    } else {
                        Some(value_for(n, c, ask)?)
                    };
                    ops.push(Operation::AddColumn {
                        table: n.name.clone(),
                        column: c.clone(),
                        default,
                    });
                }
            }
        }
        for r in removed {
            ops.push(Operation::RemoveColumn {
                table: n.name.clone(),
                column: r.clone(),
            });
        }
        for g in o
            .unique_together
            .iter()
            .filter(|g| !n.unique_together.contains(g))
        {
            ops.push(Operation::RemoveUnique {
                table: n.name.clone(),
                columns: g.clone(),
            });
        }
        for g in n
            .unique_together
            .iter()
            .filter(|g| !o.unique_together.contains(g))
        {
            ops.push(Operation::AddUnique {
                table: n.name.clone(),
                columns: g.clone(),
            });
        }
        for g in o.indexes.iter().filter(|g| !n.indexes.contains(g)) {
            ops.push(Operation::RemoveIndex {
                table: n.name.clone(),
                columns: g.clone(),
            });
        }
        for g in n.indexes.iter().filter(|g| !o.indexes.contains(g)) {
            ops.push(Operation::AddIndex {
                table: n.name.clone(),
                columns: g.clone(),
            });
        }
    }
    let dropped: Vec<&TableState> = old
        .tables
        .iter()
        .filter(|t| new.table(&t.name).is_none())
        .collect();
    for t in creation_order(&dropped)?.into_iter().rev() {
        ops.push(Operation::DropTable(t.clone()));
    }
    Ok(ops)
}

fn stopped(t: &TableState, c: &ColumnState) -> Error {
    Error::Migration {
        message: format!(
            "column `{}` of `{}` ({}) is NOT NULL and the table may have rows: give the value they get (e.g. `--default {}.{}=…`), or make the field an `Option`",
            c.name, t.name, t.model, t.model, c.field
        ),
    }
}

/// `tables` ordered so that each comes after the tables among them it
/// references.
fn creation_order<'t>(tables: &[&'t TableState]) -> Result<Vec<&'t TableState>> {
    let mut out: Vec<&TableState> = Vec::new();
    let mut left: Vec<&TableState> = tables.to_vec();
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            t.columns.iter().all(|c| match &c.references {
                Some((target, _)) => {
                    target == &t.name
                        || out.iter().any(|o| &o.name == target)
                        || !left.iter().any(|l| &l.name == target)
                }
                None => true,
            })
        });
        match ready {
            Some(i) => out.push(left.remove(i)),
            None => {
                let names: Vec<&str> = left.iter().map(|t| t.name.as_str()).collect();
                return Err(Error::Migration {
                    message: format!(
                        "tables {} reference each other: add one of the foreign keys in a later migration",
                        names.join(", ")
                    ),
                });
            }
        }
    }
    Ok(out)
}
