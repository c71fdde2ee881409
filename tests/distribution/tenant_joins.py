"""Finds SQL statements that join rows of two tenant tables without keeping them to one tenant.

A statement is fine when, in each SELECT/UPDATE/DELETE, every tenant table it reads (and every outer one a
correlated subquery refers to) is tied to the others by ``a.tenant_id = b.tenant_id``, or by being compared with
the same tenant value; a derived table is tied through the ``tenant_id`` it selects or the tenant its rows are
filtered by. That is what lets Citus run each statement on one tenant's shard, and what keeps one tenant's rows
out of another's answer. Statements are parsed with sqlglot, once per statement text; the values of each
execution's parameters decide which tables are compared with the same tenant.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import expressions as exp

from ledgerline.models import Base
from ledgerline.models.base import REFERENCE_TABLES

TENANT_TABLES = frozenset(name for name in Base.metadata.tables if name not in REFERENCE_TABLES)
_NAMED = re.compile(r"%\((\w+)\)s")
_POSITIONAL = re.compile(r"\?|%s")
_QUERIES = (exp.Select, exp.Update, exp.Delete)


def might_join(sql: str) -> bool:
    """Cheap first filter: only a statement with a join, a comma join or a subquery can join two tables."""
    upper = sql.upper().lstrip()
    selects = upper.count("SELECT") - upper.startswith("SELECT")
    return " JOIN " in upper or selects > 0 or upper.startswith("UPDATE") and " FROM " in upper \
        or re.search(r"\bFROM\s+\w+(\s+AS\s+\w+)?\s*,", upper) is not None


_MARK = "\x00param:"  # a placeholder in the parsed statement; its value is looked up per execution


@lru_cache(maxsize=20000)
def parameter_template(sql: str) -> tuple[str, tuple[str, ...]]:
    """The statement with each placeholder replaced by a marker literal, and the parameter keys in order.

    The statement is parsed once per template, not once per execution: the markers stand for the values,
    which are compared when each execution is checked (``cross_tenant_problems``)."""
    keys: list[str] = []

    def mark(key: str) -> str:
        keys.append(key)
        return f"'{_MARK}{key}'"

    named = _NAMED.sub(lambda m: mark(m.group(1)), sql)
    if keys:
        return named.replace("%%", "%"), tuple(keys)
    counter = iter(range(10**6))
    return _POSITIONAL.sub(lambda m: mark(str(next(counter))), sql).replace("%%", "%"), tuple(keys)


def parameter_values(keys: Sequence[str], parameters: Any) -> dict[str, str]:
    if isinstance(parameters, Sequence) and parameters and isinstance(parameters[0], (Mapping, Sequence)) \
            and not isinstance(parameters[0], (str, bytes)):
        parameters = parameters[0]  # executemany: the first row has the same shape as all
    if isinstance(parameters, Mapping):
        return {key: str(parameters.get(key)) for key in keys}
    values = list(parameters or ())
    return {key: str(values[int(key)]) if int(key) < len(values) else "None" for key in keys}


class _Links:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, node: Any) -> Any:
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def join(self, a: Any, b: Any) -> None:
        self.parent[self.find(a)] = self.find(b)

    def copy(self) -> _Links:
        links = _Links()
        links.parent = dict(self.parent)
        return links


def _own_sources(query: exp.Expression) -> list[exp.Expression]:
    sources = []
    if isinstance(query, (exp.Update, exp.Delete)) and isinstance(query.this, exp.Table):
        sources.append(query.this)
    from_ = query.args.get("from_") or query.args.get("from")
    if from_ is not None:
        sources.append(from_.this)
        sources.extend(from_.expressions or ())
    for join in query.args.get("joins") or ():
        sources.append(join.this)
    return [source for source in sources if source is not None]


def _conditions(query: exp.Expression) -> list[exp.Expression]:
    found = [query.args.get(key) for key in ("where", "having")]
    found += [join.args.get("on") for join in query.args.get("joins") or ()]
    return [condition for condition in found if condition is not None]


def _own_nodes(root: exp.Expression, kind: type | tuple[type, ...]) -> Iterable[exp.Expression]:
    """The nodes of ``kind`` in ``root`` that do not belong to a nested query."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, kind):
            yield node
        for child in node.iter_expressions():
            if not isinstance(child, (*_QUERIES, exp.Subquery)):
                stack.append(child)


class _Statement:
    def __init__(self, tree: exp.Expression) -> None:
        self.links = _Links()
        self._groups: list[tuple[set, Callable[[], str]]] | None = None
        self.ctes = {cte.alias_or_name: cte.this for cte in tree.find_all(exp.CTE)}
        self.queries = [node for node in tree.walk() if isinstance(node, _QUERIES)]
        self.sources: dict[int, dict[str, tuple[bool, exp.Expression | None]]] = {}
        for query in self.queries:
            self.sources[id(query)] = dict(self._source(source) for source in _own_sources(query))

    def _source(self, source: exp.Expression) -> tuple[str, tuple[bool, exp.Expression | None]]:
        alias = source.alias_or_name
        if isinstance(source, exp.Table) and source.name in self.ctes:
            inner = self.ctes[source.name]
            return alias, (self._reads_tenant_rows(inner), inner)
        if isinstance(source, exp.Table):
            return alias, (source.name in TENANT_TABLES, None)
        if isinstance(source, exp.Subquery):
            return alias, (self._reads_tenant_rows(source.this), source.this)
        return alias, (False, None)

    def _reads_tenant_rows(self, query: exp.Expression) -> bool:
        return any(table.name in TENANT_TABLES or (table.name in self.ctes and self.ctes[table.name] is not query
                                                   and self._reads_tenant_rows(self.ctes[table.name]))
                   for table in query.find_all(exp.Table))

    def _enclosing(self, query: exp.Expression) -> Iterable[exp.Expression]:
        node = query
        while node is not None:
            if isinstance(node, _QUERIES):
                yield node
            node = node.parent

    def resolve(self, query: exp.Expression, column: exp.Column) -> tuple[int, str] | None:
        """The (query, alias) a column belongs to: its own query's sources first, then enclosing ones."""
        qualifier = column.table
        for owner in self._enclosing(query):
            sources = self.sources.get(id(owner), {})
            if qualifier and qualifier in sources:
                return id(owner), qualifier
            if not qualifier and len(sources) == 1:
                return id(owner), next(iter(sources))
        return None

    def node_of(self, query: exp.Expression, side: exp.Expression) -> Any:
        while isinstance(side, exp.Cast):  # PostgreSQL: tenant_id = CAST('...' AS UUID)
            side = side.this
        if isinstance(side, exp.Column) and side.name == "tenant_id":
            return self.resolve(query, side)
        if isinstance(side, exp.Literal) and side.is_string:
            return ("value", side.this)
        return None

    def link(self) -> None:
        for query in self.queries:
            for condition in _conditions(query):
                for equal in _own_nodes(condition, exp.EQ):
                    left, right = self.node_of(query, equal.this), self.node_of(query, equal.expression)
                    if left is not None and right is not None:
                        self.links.join(left, right)
            for semi_join in self._semi_joins(query):
                self._link_semi_join(query, *semi_join)

    def with_values(self, values: Mapping[str, str]) -> _Statement:
        """This statement's ties once its placeholders have the values of one execution."""
        self.groups()  # worked out once, shared by every execution
        bound = copy.copy(self)
        bound.links = self.links.copy()
        for node in list(bound.links.parent):
            if isinstance(node, tuple) and node[0] == "value":
                text = node[1]
                value = values.get(text[len(_MARK):], "None") if text.startswith(_MARK) else text
                bound.links.join(node, ("tenant", value))
        bound.propagate()
        return bound

    def propagate(self) -> None:
        # A derived table is tied through the tenant_id it selects, or to the one tenant all its rows belong to.
        for _ in range(3):
            for query in self.queries:
                for alias, (tenant, inner) in self.sources[id(query)].items():
                    if tenant and isinstance(inner, exp.Select):
                        self._link_derived(query, alias, inner)

    def _link_derived(self, query: exp.Expression, alias: str, inner: exp.Select) -> None:
        outer = (id(query), alias)
        for selected in inner.expressions:
            if selected.alias_or_name == "tenant_id":
                column = selected.this if isinstance(selected, exp.Alias) else selected
                if isinstance(column, exp.Column) and (node := self.resolve(inner, column)) is not None:
                    self.links.join(outer, node)
        inner_nodes = [(id(inner), name) for name, (tenant, _) in self.sources[id(inner)].items() if tenant]
        roots = {self.links.find(node) for node in inner_nodes}
        values = [node for node in self.links.parent if isinstance(node, tuple) and node[0] == "tenant"
                  and self.links.find(node) in roots]
        if len(roots) == 1 and values:
            self.links.join(outer, values[0])

    def _semi_joins(self, query: exp.Expression) -> Iterable[tuple[exp.Expression, exp.Select]]:
        """``x IN (SELECT ...)`` in a query's conditions: the left side with the subquery."""
        for condition in _conditions(query):
            for in_ in _own_nodes(condition, exp.In):
                inner = in_.args.get("query")
                inner = inner.this if isinstance(inner, exp.Subquery) else inner
                if isinstance(inner, exp.Select):
                    yield in_.this, inner

    def _link_semi_join(self, query: exp.Expression, left: exp.Expression, inner: exp.Select) -> None:
        # (a.tenant_id, a.x_id) IN (SELECT b.tenant_id, b.id ...) ties a to b.
        if isinstance(left, exp.Tuple) and left.expressions and inner.expressions:
            outer_node = self.node_of(query, left.expressions[0])
            selected = inner.expressions[0]
            inner_node = self.node_of(inner, selected.this if isinstance(selected, exp.Alias) else selected)
            if outer_node is not None and inner_node is not None:
                self.links.join(outer_node, inner_node)

    def _semi_join_group(self, query: exp.Expression, left: exp.Expression, inner: exp.Select) -> set:
        column = left.expressions[0] if isinstance(left, exp.Tuple) and left.expressions else left
        outer = self.resolve(query, column) if isinstance(column, exp.Column) else None
        group = {(id(inner), alias) for alias, (tenant, _) in self.sources[id(inner)].items() if tenant}
        if outer is not None and self._is_tenant(outer) and group:
            return group | {outer}
        return set()

    def groups(self) -> list[tuple[set, Callable[[], str]]]:
        """Each set of tenant tables that must be tied to one tenant, with how to describe where it is."""
        if self._groups is None:
            self._groups = []
            for query in self.queries:
                for left, inner in self._semi_joins(query):
                    self._groups.append((self._semi_join_group(query, left, inner), functools.partial(
                        lambda left, inner: f"the semi-join {left.sql()} IN ({inner.sql()[:200]})", left, inner)))
                group = {(id(query), alias) for alias, (tenant, _) in self.sources[id(query)].items() if tenant}
                for column in _own_nodes(query, exp.Column):  # a correlated subquery's outer tables
                    node = self.resolve(query, column)
                    if node is not None and node[0] != id(query) and self._is_tenant(node):
                        group.add(node)
                self._groups.append((group, functools.partial(lambda query: query.sql()[:300], query)))
        return self._groups

    def problems(self) -> list[str]:
        return [f"tenant tables {', '.join(sorted(alias for _, alias in group))} are not tied to one tenant in: "
                f"{where()}" for group, where in self.groups()
                if len(group) > 1 and len({self.links.find(node) for node in group}) > 1]

    def _is_tenant(self, node: tuple[int, str]) -> bool:
        for query in self.queries:
            if id(query) == node[0]:
                return self.sources[id(query)].get(node[1], (False, None))[0]
        return False


@lru_cache(maxsize=20000)
def _analysed(template: str, dialect: str) -> _Statement | None:
    try:
        tree = sqlglot.parse_one(template, read=dialect)
    except sqlglot.errors.ParseError:
        return None
    statement = _Statement(tree)
    statement.link()
    return statement


def cross_tenant_problems(sql: str, dialect: str, parameters: Any = None) -> tuple[str, ...]:
    """What is wrong with one execution of a statement; () when it keeps to one tenant."""
    template, keys = parameter_template(sql)
    statement = _analysed(template, dialect)
    if statement is None:
        return ()
    return tuple(statement.with_values(parameter_values(keys, parameters)).problems())
