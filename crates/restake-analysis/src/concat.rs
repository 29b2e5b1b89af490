//! One Parquet file made of the row groups of others, copied page by page without decoding.
//!
//! A sweep's part holds the steps (or events) of up to a hundred runs, each recorded by its
//! worker into a file of its own. Decoding each file and encoding it again cost the sweep's one
//! collecting thread about 6 ms a run (a zstd context per column, polars' cardinality estimate
//! for dictionary encoding), serial work that left the other cores idle at the end of a sweep.
//! The worker already encoded and compressed the pages with our writer's settings, so they are
//! copied as they are: only the footer (offsets, row counts, statistics from the page headers,
//! the Arrow schema polars keeps there) is written anew.

use crate::table::temp_path;
use crate::{AnalysisError, io_err};
use polars::prelude::PolarsError;
use polars_buffer::Buffer;
use polars_parquet::parquet::FallibleStreamingIterator;
use polars_parquet::parquet::error::ParquetError;
use polars_parquet::parquet::metadata::{FileMetadata, KeyValue};
use polars_parquet::parquet::page::{CompressedPage, DataPageHeader};
use polars_parquet::parquet::read::{PageReader, read_metadata};
use polars_parquet::parquet::schema::types::ParquetType;
use polars_parquet::parquet::write::{DynIter, DynStreamingIterator, FileWriter, Version, WriteOptions};
use std::fs::File;
use std::io::{BufWriter, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

fn parquet_err(path: &Path) -> impl FnOnce(ParquetError) -> AnalysisError + '_ {
    move |e| AnalysisError::Data(format!("{}: {}", path.display(), PolarsError::from(e)))
}

/// A column chunk's compressed pages, as the writer takes them (one at a time, by reference).
struct Pages {
    reader: PageReader,
    page: Option<CompressedPage>,
}

impl FallibleStreamingIterator for Pages {
    type Item = CompressedPage;
    type Error = ParquetError;

    fn advance(&mut self) -> Result<(), ParquetError> {
        self.page = self.reader.next().transpose()?;
        // The writer counts a page's rows, which a v1 page header does not hold: in a flat
        // column (the only kind `append_file` takes) a page has one row per value.
        if let Some(CompressedPage::Data(page)) = &mut self.page {
            page.num_rows = Some(match page.header() {
                DataPageHeader::V2(h) => h.num_rows as usize,
                DataPageHeader::V1(_) => page.num_values(),
            });
        }
        Ok(())
    }

    fn get(&self) -> Option<&CompressedPage> {
        self.page.as_ref()
    }
}

/// A Parquet file written from other Parquet files' row groups; renamed into place by `finish`.
pub struct ParquetConcat {
    path: PathBuf,
    tmp: PathBuf,
    writer: FileWriter<BufWriter<File>>,
    fields: Vec<ParquetType>,
    /// The first file's key-value metadata: polars' Arrow schema, so the columns read back
    /// with the types they were written with.
    key_value: Option<Vec<KeyValue>>,
}

fn metadata_of(file: &mut File, path: &Path) -> Result<FileMetadata, AnalysisError> {
    read_metadata(file).map_err(parquet_err(path))
}

impl ParquetConcat {
    /// A file at `path` with the schema (and writer settings) of the Parquet file `like`.
    pub fn create(path: &Path, like: &Path) -> Result<Self, AnalysisError> {
        let meta = metadata_of(&mut File::open(like).map_err(io_err(like))?, like)?;
        // Every appended file has this schema (`append_file` checks), so this is checked once.
        if meta.schema_descr.columns().iter().any(|c| c.descriptor.max_rep_level > 0) {
            return Err(AnalysisError::Data(format!(
                "{}: has a list column; only flat tables are copied page by page",
                like.display()
            )));
        }
        let tmp = temp_path(path);
        let file = File::create(&tmp).map_err(io_err(&tmp))?;
        let version = if meta.version >= 2 { Version::V2 } else { Version::V1 };
        let options = WriteOptions { write_statistics: true, version };
        let writer = FileWriter::new(
            BufWriter::with_capacity(1 << 16, file),
            meta.schema_descr.clone(),
            options,
            meta.created_by.clone(),
        );
        Ok(ParquetConcat {
            path: path.to_path_buf(),
            tmp,
            writer,
            fields: meta.schema_descr.fields().to_vec(),
            key_value: meta.key_value_metadata.clone(),
        })
    }

    /// Appends every row group of the Parquet file at `path`, whose schema must be this file's.
    /// Memory stays within one row group whatever the file's size. Returns the rows copied.
    pub fn append_file(&mut self, path: &Path) -> Result<usize, AnalysisError> {
        let mut file = File::open(path).map_err(io_err(path))?;
        let meta = metadata_of(&mut file, path)?;
        if meta.schema_descr.fields() != self.fields.as_slice() || meta.key_value_metadata != self.key_value {
            return Err(AnalysisError::Data(format!(
                "{}: its columns differ from those of {}, so its rows cannot join that file",
                path.display(),
                self.path.display()
            )));
        }
        for group in &meta.row_groups {
            let range = group.full_byte_range();
            let mut bytes = vec![0u8; (range.end - range.start) as usize];
            file.seek(SeekFrom::Start(range.start)).map_err(io_err(path))?;
            file.read_exact(&mut bytes).map_err(io_err(path))?;
            let bytes = Buffer::from(bytes);
            let max_page = bytes.len();
            let columns = group.parquet_columns().iter().map(move |column| {
                let chunk = column.byte_range();
                let at = (chunk.start - range.start) as usize..(chunk.end - range.start) as usize;
                let reader = PageReader::new(Cursor::new(bytes.clone().sliced(at)), column, Vec::new(), max_page);
                Ok(DynStreamingIterator::new(Pages { reader, page: None }))
            });
            self.writer
                .write::<ParquetError>(group.num_rows() as u64, DynIter::new(columns))
                .map_err(parquet_err(&self.tmp))?;
        }
        Ok(meta.num_rows)
    }

    /// Writes the footer, flushes, and renames the file into place.
    pub fn finish(mut self) -> Result<(), AnalysisError> {
        self.writer.end(self.key_value.take()).map_err(parquet_err(&self.tmp))?;
        // Flushes the buffer: a failed write is an error here, before the rename.
        self.writer.into_inner().into_inner().map_err(|e| io_err(&self.tmp)(e.into_error()))?;
        std::fs::rename(&self.tmp, &self.path).map_err(io_err(&self.path))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{read_parquet, write_parquet};
    use polars::prelude::*;

    fn frame(from: i64, n: usize) -> DataFrame {
        let ids: Vec<i64> = (from..from + n as i64).collect();
        let x: Vec<f64> = ids.iter().map(|&i| (i as f64).sqrt()).collect();
        let kind: Vec<&str> = ids.iter().map(|&i| if i % 3 == 0 { "liquidation" } else { "exit" }).collect();
        let maybe: Vec<Option<f64>> = ids.iter().map(|&i| (i % 5 != 0).then_some(i as f64)).collect();
        df!("id" => ids, "x" => x, "kind" => kind, "maybe" => maybe).unwrap()
    }

    // The joined file reads back as the frames stacked in order, with the same column types:
    // the reference is polars' own reader of each source file.
    #[test]
    fn joined_file_reads_back_as_the_sources_stacked() {
        let dir = tempfile::tempdir().unwrap();
        let mut expected = frame(0, 0);
        let mut sources = Vec::new();
        // The first source is empty (a run without events), as a part's first run may be.
        for (k, (from, n)) in [(0, 0), (0, 700), (700, 1), (701, 2500)].into_iter().enumerate() {
            let p = dir.path().join(format!("run{k}.parquet"));
            let mut df = frame(from, n);
            write_parquet(&p, &mut df).unwrap();
            expected.vstack_mut(&df).unwrap();
            sources.push(p);
        }
        let out = dir.path().join("part.parquet");
        let mut cat = ParquetConcat::create(&out, &sources[0]).unwrap();
        let rows: usize = sources.iter().map(|s| cat.append_file(s).unwrap()).sum();
        assert_eq!(rows, 3201);
        assert!(!out.exists(), "only the temporary file exists before finish");
        cat.finish().unwrap();
        let back = read_parquet(&out).unwrap();
        assert_eq!(back.schema(), expected.schema());
        assert!(back.equals_missing(&expected));
    }

    #[test]
    fn a_list_column_is_refused() {
        // A v1 page header does not count rows, which a list column's values do not give.
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("lists.parquet");
        let lists = Series::new("l".into(), [Series::new("".into(), [1i64, 2]), Series::new("".into(), [3i64])]);
        write_parquet(&a, &mut DataFrame::new(2, vec![lists.into()]).unwrap()).unwrap();
        let err = ParquetConcat::create(&dir.path().join("out.parquet"), &a).err().unwrap().to_string();
        assert!(err.contains("list column"), "{err}");
    }

    #[test]
    fn a_file_with_other_columns_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.parquet");
        let b = dir.path().join("b.parquet");
        write_parquet(&a, &mut frame(0, 10)).unwrap();
        write_parquet(&b, &mut frame(0, 10).drop("maybe").unwrap()).unwrap();
        let mut cat = ParquetConcat::create(&dir.path().join("out.parquet"), &a).unwrap();
        let err = cat.append_file(&b).unwrap_err().to_string();
        assert!(err.contains("b.parquet") && err.contains("columns differ"), "{err}");
    }
}
