"""Read the published Parquet files directly with DuckDB, Polars, Dask and Spark: one question,
four engines, no datapackage.json needed (none of them reads it).

    python beyond_one_machine.py PACKAGE_FOLDER [duckdb|polars|dask|spark ...]

PACKAGE_FOLDER is build/ or an unzipped release. The question: per conflict, its name, the events
coded in it and the sum of their deaths_best (each event's best death figure, already summed by
the codebook's rule: never add casualty rows of scope aggregate or conflict_total to it), empty
(None) when no event of the conflict has a death figure: SQL's sum, which Polars and pandas
must be asked for (they give 0).
Each engine prints the same rows, sorted by conflict_id. DuckDB, Polars and Dask are in the
project's lock file and tested (tests/data/test_examples.py); Spark needs `pip install pyspark`
and Java 17, and is run by the same test only where pyspark is installed."""
import sys
from pathlib import Path


def with_duckdb(folder):
    import duckdb
    events, conflicts = str(folder / "events.parquet"), str(folder / "conflicts.parquet")
    return duckdb.sql("""
        SELECT c.conflict_id, c.name, count(*) AS events, sum(e.deaths_best) AS deaths_best
        FROM read_parquet($events) e JOIN read_parquet($conflicts) c ON e.conflict = c.conflict_id
        GROUP BY ALL ORDER BY c.conflict_id""", params={"events": events, "conflicts": conflicts}).fetchall()


def with_polars(folder):
    import polars as pl
    per_conflict = (pl.scan_parquet(folder / "events.parquet")
                    .group_by("conflict").agg(pl.len().alias("events"),
                                              pl.when(pl.col("deaths_best").count() > 0).then(pl.col("deaths_best").sum()).alias("deaths_best")))
    return (pl.scan_parquet(folder / "conflicts.parquet").select("conflict_id", "name")
            .join(per_conflict, left_on="conflict_id", right_on="conflict")
            .sort("conflict_id").collect().rows())


def with_dask(folder):
    import dask.dataframe as dd
    events = dd.read_parquet(folder / "events.parquet", columns=["conflict", "deaths_best"])
    per_conflict = events.groupby("conflict").agg(events=("deaths_best", "size"), figures=("deaths_best", "count"),
                                                  deaths_best=("deaths_best", "sum")).compute()
    conflicts = dd.read_parquet(folder / "conflicts.parquet", columns=["conflict_id", "name"]).compute()
    joined = conflicts.merge(per_conflict, left_on="conflict_id", right_index=True).sort_values("conflict_id")
    return [(c, name, int(n), int(deaths) if figures else None)
            for c, name, n, figures, deaths in joined[["conflict_id", "name", "events", "figures", "deaths_best"]].itertuples(index=False)]


def with_spark(folder):
    from pyspark.sql import SparkSession, functions as F
    spark = SparkSession.builder.master("local[1]").appName("aq-is-conflict").getOrCreate()
    try:
        events = spark.read.parquet(str(folder / "events.parquet"))
        conflicts = spark.read.parquet(str(folder / "conflicts.parquet"))
        rows = (conflicts.join(events, conflicts.conflict_id == events.conflict)
                .groupBy("conflict_id", "name").agg(F.count("*").alias("events"), F.sum("deaths_best").alias("deaths_best"))
                .orderBy("conflict_id").collect())
        return [(r.conflict_id, r.name, r.events, r.deaths_best) for r in rows]
    finally:
        spark.stop()


ENGINES = {"duckdb": with_duckdb, "polars": with_polars, "dask": with_dask, "spark": with_spark}


def main(argv):
    folder = Path(argv[1]) if len(argv) > 1 else Path(".")
    for name in argv[2:] or ["duckdb", "polars", "dask"]:
        print(f"# {name}")
        for row in ENGINES[name](folder):
            print(*row, sep="\t")


if __name__ == "__main__":
    main(sys.argv)
