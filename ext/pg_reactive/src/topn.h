/*
 * topn.h — a top-N live query's spec (topn_spec.c) as the per-cycle skip (topn.c) reads it.
 */
#ifndef PG_REACTIVE_TOPN_H
#define PG_REACTIVE_TOPN_H

#include "pg_reactive.h"

#include "fmgr.h"
#include "utils/array.h"

typedef struct SortItem
{
	AttrNumber	attnum;
	char	   *name;			/* output column: the stored rows carry it */
	Oid			type;
	Oid			collation;
	bool		reverse;		/* DESC */
	bool		nulls_first;
	FmgrInfo	cmp;
	Oid			typinput;
	Oid			typioparam;
} SortItem;

/* What makes a live query a top-N query, and this cycle's new versions of its changed rows. */
typedef struct TopN
{
	int64		query_id;		/* hash key */
	uint64		generation;		/* catalog generation it was built in */
	bool		ok;
	char	   *why;			/* what it skips, or why it cannot */
	Oid			relid;
	AttrNumber	key_attnum;		/* the table's integer primary key, an output column */
	char	   *key_name;
	int64		limit;
	int			nsort;
	SortItem   *sort;
	MemoryContext cxt;			/* the spec and the rows */
	/* the cycle's rows */
	uint64		rows_cycle;		/* 0: none */
	AttrNumber	route_attnum;	/* the route column fetched with them, 0: none */
	FmgrInfo	route_hash;
	Oid			route_collation;
	int			nkeys;
	int64	   *keys;			/* the changed keys, sorted */
	int			nrows;
	int64	   *row_key;
	Datum	   *row_values;		/* nrows × nsort */
	bool	   *row_nulls;
	bool	   *row_has_hash;
	uint32	   *row_hash;
} TopN;

/*
 * The spec of live query query_id (its sql, regtype[] parameter types and search_path), built once
 * per catalog generation and kept in the worker's memory; ok is false, with why, when the query is
 * not a top-N query the skip understands.
 */
extern TopN *pgr_topn_spec_of(int64 query_id, text *sql, ArrayType *param_types, text *search_path);

#endif							/* PG_REACTIVE_TOPN_H */
