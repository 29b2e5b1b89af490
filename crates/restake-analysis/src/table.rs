//! Parquet files written whole or in row groups, always under a temporary name first.

use crate::{AnalysisError, io_err};
use polars::prelude::*;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Compression of every file we write: zstd reads fast from polars, pyarrow and DuckDB.
pub fn compression() -> ParquetCompression {
    ParquetCompression::Zstd(None)
}

/// A Parquet writer with our compression into `file`, through a buffer: the writer emits its
/// page headers and footer a few bytes at a time (a 40-run sweep made 930,000 write calls
/// without one). Its `finish` flushes the buffer, so a failed write is an error there.
///
/// Columns are encoded one after another, not on polars' thread pool: our tables are a few
/// thousand rows a batch, and the parallelism is elsewhere (runs of a sweep, agents of a run).
/// Handing each column to the pool made a sweep's cores idle 13% of the time, waiting for it.
pub fn parquet_writer(file: File) -> ParquetWriter<BufWriter<File>> {
    ParquetWriter::new(BufWriter::with_capacity(1 << 16, file)).with_compression(compression()).set_parallel(false)
}

/// The temporary name a file is written under before it is renamed into place.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Writes `df` to `path` atomically (temporary file, then rename).
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<(), AnalysisError> {
    let tmp = temp_path(path);
    let file = File::create(&tmp).map_err(io_err(&tmp))?;
    parquet_writer(file).finish(df)?;
    std::fs::rename(&tmp, path).map_err(io_err(path))?;
    Ok(())
}

pub fn read_parquet(path: &Path) -> Result<DataFrame, AnalysisError> {
    let file = File::open(path).map_err(io_err(path))?;
    Ok(ParquetReader::new(file).finish()?)
}

/// A Parquet file written in row groups as rows arrive; renamed into place by `finish`.
pub struct StreamingParquet {
    path: PathBuf,
    tmp: PathBuf,
    writer: polars::io::parquet::write::BatchedWriter<BufWriter<File>>,
}

impl StreamingParquet {
    pub fn create(path: &Path, schema: &Schema) -> Result<Self, AnalysisError> {
        let tmp = temp_path(path);
        let file = File::create(&tmp).map_err(io_err(&tmp))?;
        let writer = parquet_writer(file).batched(schema)?;
        Ok(StreamingParquet { path: path.to_path_buf(), tmp, writer })
    }

    pub fn write(&mut self, df: &DataFrame) -> Result<(), AnalysisError> {
        if df.height() > 0 {
            self.writer.write_batch(df)?;
        }
        Ok(())
    }

    pub fn finish(self) -> Result<(), AnalysisError> {
        self.writer.finish()?;
        std::fs::rename(&self.tmp, &self.path).map_err(io_err(&self.path))?;
        Ok(())
    }
}
