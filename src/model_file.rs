//! The model file: a small, versioned, checksummed binary format.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `HWNN` (bytes 48 57 4E 4E) |
//! | 4 | 4 | format version, u32 little-endian: 1 |
//! | 8 | 4 | inputs, u32 LE: 784 |
//! | 12 | 4 | h, hidden units, u32 LE: 1 to 4096 |
//! | 16 | 4 | outputs, u32 LE: 10 |
//! | 20 | 4 | hidden activation, u32 LE: 0 = sigmoid, 1 = relu |
//! | 24 | 4·P | the P = 795h + 10 parameters, f32 LE, in the order w1 (784×h, row-major: pixel i → unit j at i·h + j), b1 (h), w2 (h×10, row-major: unit j → digit k at j·10 + k), b2 (10) |
//! | 24 + 4P | 4 | CRC-32 (IEEE, as zlib's `crc32`) of all the bytes before it, u32 LE |

use crate::error::{Error, Exponent, Hex, Message, Result};
use crate::math::Activation;
use crate::network::{check_hidden, parameter_count, Network, INPUTS, OUTPUTS};
use std::fs::File;
use std::path::{Path, PathBuf};

/// CRC-32 of `bytes` as zlib's `crc32` computes it: the IEEE polynomial, reflected, initial and final value all
/// ones. The `crc` crate's bitwise form (`NoTable`): its byte-at-a-time form stores a 1 KB table that gzip cannot
/// shrink, 1 KB of the page's wasm; bit by bit, the 2.5 MB of the wide model check in a few milliseconds more.
fn crc32(bytes: &[u8]) -> u32 {
    const CRC_32: crc::Crc<u32, crc::NoTable> = crc::Crc::<u32, crc::NoTable>::new(&crc::CRC_32_ISO_HDLC);
    CRC_32.checksum(bytes)
}

/// The first four bytes of every model file.
pub const MAGIC: [u8; 4] = *b"HWNN";
/// The version this code writes and reads.
pub const VERSION: u32 = 1;
const HEADER: usize = 24;

/// The length of the model file of a network with `hidden` units: header, parameters, checksum.
pub fn file_len(hidden: usize) -> usize {
    HEADER + 4 * parameter_count(hidden) + 4
}

/// The bytes of a model file for `network`.
pub fn to_bytes(network: &Network) -> Vec<u8> {
    let params = network.params();
    let mut out = Vec::with_capacity(HEADER + 4 * params.len() + 4);
    out.extend_from_slice(&MAGIC);
    for field in
        [VERSION, INPUTS as u32, network.hidden() as u32, OUTPUTS as u32, activation_code(network.activation())]
    {
        out.extend_from_slice(&field.to_le_bytes());
    }
    for p in params {
        out.extend_from_slice(&p.to_le_bytes());
    }
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// A network from the bytes of a model file; `name` is used in errors.
pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Network> {
    let err = |byte: usize, problem: Message| Error::format(name, Message::byte(byte), problem);
    if bytes.is_empty() {
        return Err(err(0, message!("core.model.empty", "the file is empty, not a model file")));
    }
    if bytes.len() < 4 || bytes[..4] != MAGIC {
        return Err(err(0, message!("core.model.magic", "not a handwritten model file (it does not start with HWNN)")));
    }
    if bytes.len() < HEADER {
        return Err(err(
            bytes.len(),
            message!("core.model.header", "the file ends inside the {header}-byte header", header = HEADER),
        ));
    }
    let field = |i: usize| u32::from_le_bytes([bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]]);
    let (version, inputs, hidden, outputs, activation) = (field(1), field(2), field(3), field(4), field(5));
    if version != VERSION {
        return Err(err(
            4,
            message!(
                "core.model.version",
                "format version {version}, this program reads version {reads}",
                version = version,
                reads = VERSION
            ),
        ));
    }
    if inputs as usize != INPUTS || outputs as usize != OUTPUTS {
        return Err(err(
            8,
            message!(
                "core.model.shape",
                "a {inputs}→{outputs} network, expected {want_inputs}→{want_outputs}",
                inputs = inputs,
                outputs = outputs,
                want_inputs = INPUTS,
                want_outputs = OUTPUTS
            ),
        ));
    }
    check_hidden(hidden as usize).map_err(|e| err(12, e.message()))?;
    let activation = match activation {
        0 => Activation::Sigmoid,
        1 => Activation::Relu,
        code => {
            return Err(err(
                20,
                message!(
                    "core.model.activation",
                    "unknown activation code {code} (0 = sigmoid, 1 = relu)",
                    code = code
                ),
            ))
        }
    };
    let expected = file_len(hidden as usize);
    if bytes.len() != expected {
        let actual = bytes.len();
        let problem = if actual < expected {
            message!(
                "core.model.truncated",
                "truncated: a network with {hidden} hidden units takes {expected} bytes, the file has {actual}",
                hidden = hidden,
                expected = expected,
                actual = actual
            )
        } else {
            message!(
                "core.model.tooLong",
                "too long: a network with {hidden} hidden units takes {expected} bytes, the file has {actual}",
                hidden = hidden,
                expected = expected,
                actual = actual
            )
        };
        return Err(err(actual.min(expected), problem));
    }
    let body = &bytes[..expected - 4];
    let stored =
        u32::from_le_bytes([bytes[expected - 4], bytes[expected - 3], bytes[expected - 2], bytes[expected - 1]]);
    let computed = crc32(body);
    if stored != computed {
        return Err(err(
            expected - 4,
            message!(
                "core.model.checksum",
                "checksum mismatch (stored {stored}, computed {computed}): the file is corrupted",
                stored = Hex(stored),
                computed = Hex(computed)
            ),
        ));
    }
    let params: Vec<f32> =
        body[HEADER..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    if let Some(i) = params.iter().position(|p| !p.is_finite()) {
        return Err(err(
            HEADER + 4 * i,
            message!(
                "core.model.notFinite",
                "parameter {index} is {value}, not a finite number",
                index = i,
                value = params[i]
            ),
        ));
    }
    let network = Network::from_params(hidden as usize, activation, params).map_err(|e| err(24, e.message()))?;
    check_bounded(&network).map_err(|problem| err(24, problem))?;
    Ok(network)
}

/// The largest |z1| or |z2| a model may reach on an image with pixels in [0, 1]:
/// far beyond any trained network, far below `f32::MAX` (3.4e38), so that no
/// drawing can make the forward pass overflow to infinity and the probabilities NaN.
const MAX_ACTIVATION: f64 = 1e30;

/// Checks that finite parameters also give finite outputs for every image a0 in [0, 1]^784:
/// |z1_j| ≤ |b1_j| + Σ_i |w1_ij| = Z1_j, a1_j ≤ Z1_j (ReLU) or 1 (sigmoid),
/// |z2_k| ≤ |b2_k| + Σ_j a1_j·|w2_jk|, each bound (and so every partial sum) ≤ [`MAX_ACTIVATION`].
fn check_bounded(network: &Network) -> std::result::Result<(), Message> {
    let h = network.hidden();
    let mut z1_bound: Vec<f64> = network.b1().iter().map(|b| f64::from(b.abs())).collect();
    for row in network.w1().chunks_exact(h) {
        for (bound, w) in z1_bound.iter_mut().zip(row) {
            *bound += f64::from(w.abs());
        }
    }
    if let Some(j) = z1_bound.iter().position(|&z| z > MAX_ACTIVATION) {
        return Err(message!(
            "core.model.unbounded",
            "the weights of hidden unit {unit} are so large that a drawing could give it z1 = {z}, \
             beyond what the network can compute; this is not a trained network",
            unit = j,
            z = Exponent(z1_bound[j], 1)
        ));
    }
    let mut z2_bound: Vec<f64> = network.b2().iter().map(|b| f64::from(b.abs())).collect();
    for (row, z1) in network.w2().chunks_exact(OUTPUTS).zip(&z1_bound) {
        let a1 = match network.activation() {
            Activation::Sigmoid => 1.0,
            Activation::Relu => *z1,
        };
        for (bound, w) in z2_bound.iter_mut().zip(row) {
            *bound += a1 * f64::from(w.abs());
        }
    }
    if let Some(k) = z2_bound.iter().position(|&z| z > MAX_ACTIVATION) {
        return Err(message!(
            "core.model.unboundedOutput",
            "the weights of output {output} are so large that a drawing could give it z2 = {z}, \
             beyond what the network can compute; this is not a trained network",
            output = k,
            z = Exponent(z2_bound[k], 1)
        ));
    }
    Ok(())
}

fn activation_code(activation: Activation) -> u32 {
    match activation {
        Activation::Sigmoid => 0,
        Activation::Relu => 1,
    }
}

/// Reads a model file from disk.
pub fn read(path: &Path) -> Result<Network> {
    let bytes = crate::mnist::read_file(path)?;
    from_bytes(&bytes, &path.display().to_string())
}

/// Writes a model file to disk atomically: into a temporary file beside `path`,
/// then renamed over it, so an existing model is never left half-written.
///
/// The temporary file is created new (`O_EXCL`: a file or link planted at its name is
/// never opened, let alone followed), locked while it is written, given the permissions
/// of the file it replaces, synced, renamed, and the directory synced after the rename.
/// Temporary files of the same name left by a killed run (unlocked) are removed first.
pub fn write(network: &Network, path: &Path) -> Result<()> {
    use std::io::Write;
    let name = path.display().to_string();
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => return Err(Error::format(&name, "path", "is a directory, not a file")),
        // A device or pipe (/dev/null, /dev/full) is written in place: renaming a file over it would replace it.
        Ok(meta) if !meta.is_file() => {
            let mut f = std::fs::OpenOptions::new().write(true).open(path).map_err(|e| Error::io(&name, e))?;
            return f.write_all(&to_bytes(network)).and_then(|()| f.flush()).map_err(|e| Error::io(&name, e));
        }
        _ => {}
    }
    let (path, dir, file_name) = target(path);
    remove_stale_temp_files(&dir, &file_name);
    let (mut f, tmp) = create_temp(&dir, &file_name).map_err(|e| Error::io(&dir.display().to_string(), e))?;
    let tmp_name = tmp.display().to_string();
    let mut renamed = false;
    let result = (|| {
        if let Ok(old) = std::fs::metadata(&path) {
            f.set_permissions(old.permissions()).map_err(|e| Error::io(&tmp_name, e))?;
        }
        f.write_all(&to_bytes(network)).map_err(|e| Error::io(&tmp_name, e))?;
        f.sync_all().map_err(|e| Error::io(&tmp_name, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&name, e))?;
        renamed = true;
        sync_dir(&dir).map_err(|e| Error::io(&dir.display().to_string(), e))
    })();
    if !renamed {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Checks, before a long run, that a model file can be saved at `path`: creates (and
/// removes) the temporary file [`write`](fn@write) would create, and removes stale ones.
/// `path` must not be a directory; a device or pipe is not checked (it is written in place).
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|meta| !meta.is_file()) {
        return Ok(());
    }
    let (_, dir, file_name) = target(path);
    remove_stale_temp_files(&dir, &file_name);
    let (_, tmp) = create_temp(&dir, &file_name)?;
    std::fs::remove_file(tmp)
}

/// The file a save replaces (through a symbolic link, the file it points to), its
/// directory and its name.
fn target(path: &Path) -> (PathBuf, PathBuf, String) {
    let resolved = if path.is_symlink() { std::fs::canonicalize(path).ok() } else { None };
    let path = resolved.unwrap_or_else(|| path.to_path_buf());
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    (path, dir, file_name)
}

/// Whether `entry` is named as a temporary file of a save of `file_name`:
/// `.NAME.PID.tmp` or `.NAME.PID-N.tmp`.
fn is_temp_name(entry: &str, file_name: &str) -> bool {
    let Some(middle) = entry.strip_prefix('.').and_then(|e| e.strip_prefix(file_name)) else {
        return false;
    };
    let Some(middle) = middle.strip_prefix('.').and_then(|m| m.strip_suffix(".tmp")) else {
        return false;
    };
    !middle.is_empty() && middle.bytes().all(|b| b.is_ascii_digit() || b == b'-')
}

/// Creates a new temporary file for a save of `file_name` in `dir`, `.NAME.PID.tmp`
/// (or `.NAME.PID-N.tmp` if that name is taken), with `O_EXCL`, and locks it so that
/// no other run takes it for stale while it is written.
fn create_temp(dir: &Path, file_name: &str) -> std::io::Result<(File, PathBuf)> {
    let pid = std::process::id();
    let mut last_error = None;
    for n in 0..100 {
        let tmp = if n == 0 {
            dir.join(format!(".{file_name}.{pid}.tmp"))
        } else {
            dir.join(format!(".{file_name}.{pid}-{n}.tmp"))
        };
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => {
                // Advisory: where the platform has no locks, stale files are simply kept.
                let _ = f.lock();
                return Ok((f, tmp));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::other("no free temporary file name")))
}

/// Removes the temporary files of saves of `file_name` in `dir` that no running save
/// holds: left by a run killed while saving, or links planted at their names (removing
/// a link leaves its target alone). Best effort: what cannot be removed stays.
fn remove_stale_temp_files(dir: &Path, file_name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if !is_temp_name(&entry.file_name().to_string_lossy(), file_name) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        let stale = if meta.file_type().is_file() {
            // Opened for reading only (never following a link: it is a regular file, checked just above).
            File::open(&path).is_ok_and(|f| f.try_lock().is_ok())
        } else {
            !meta.is_dir()
        };
        if stale {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Makes a rename in `dir` durable (on Unix; elsewhere the rename is all there is).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Init;
    use rand::SeedableRng;

    fn net() -> Network {
        Network::new(5, Activation::Relu, Init::Uniform, &mut rand_pcg::Pcg64::seed_from_u64(9)).unwrap()
    }

    #[test]
    fn round_trips_bit_exactly() {
        let n = net();
        let bytes = to_bytes(&n);
        assert_eq!(bytes.len(), 24 + 4 * (795 * 5 + 10) + 4);
        assert_eq!(&bytes[..4], b"HWNN");
        assert_eq!(from_bytes(&bytes, "m").unwrap(), n);
    }

    #[test]
    fn the_checksum_is_zlibs_crc32() {
        // The standard check value of CRC-32/ISO-HDLC, and zlib's crc32 of the empty input and of one byte.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(&[0]), 0xD202_EF8D);
        let bytes: Vec<u8> = (0..=255).cycle().take(1000).collect();
        assert_eq!(crc32(&bytes), bitwise_crc32(&bytes));
    }

    /// CRC-32 bit by bit, written out here: the definition the crate's [`crc32`] must agree with.
    fn bitwise_crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
            }
        }
        !crc
    }

    #[test]
    fn every_single_byte_change_is_caught() {
        let bytes = to_bytes(&net());
        for i in (0..bytes.len()).step_by(97).chain([0, 4, 12, 20, bytes.len() - 1]) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(from_bytes(&bad, "m").is_err(), "flip at byte {i} went unnoticed");
        }
    }

    #[test]
    fn truncated_and_foreign_files_are_named() {
        let bytes = to_bytes(&net());
        let err = from_bytes(&bytes[..bytes.len() - 9], "m.bin").unwrap_err().to_string();
        assert!(err.starts_with("m.bin: byte") && err.contains("truncated"), "{err}");
        let err = from_bytes(b"\x89PNG\r\n\x1a\n....", "cat.png").unwrap_err().to_string();
        assert!(err.contains("not a handwritten model file"), "{err}");
        assert!(from_bytes(b"", "e").unwrap_err().to_string().contains("empty"));
        let mut huge = bytes[..24].to_vec();
        huge[12..16].copy_from_slice(&1_000_000_000u32.to_le_bytes());
        let err = from_bytes(&huge, "h").unwrap_err().to_string();
        assert!(err.contains("byte 12") && err.contains("1 to 4096"), "{err}");
    }

    /// A link planted at the predictable temporary name, pointing at a file the save must not touch.
    #[cfg(unix)]
    fn planted(dir: &Path) -> PathBuf {
        let victim = dir.join("victim");
        std::fs::write(&victim, b"victim").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join(format!(".m.bin.{}.tmp", std::process::id()))).unwrap();
        victim
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_the_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = planted(dir.path());
        let (_, tmp) = create_temp(dir.path(), "m.bin").unwrap();
        assert_ne!(tmp, dir.path().join(format!(".m.bin.{}.tmp", std::process::id())));
        assert!(!tmp.is_symlink());
        assert_eq!(std::fs::read(&victim).unwrap(), b"victim");
        std::fs::remove_file(tmp).unwrap();
        // The save and the check before a run: the model is written, the victim untouched, the link gone.
        check_writable(&dir.path().join("m.bin")).unwrap();
        planted(dir.path());
        write(&net(), &dir.path().join("m.bin")).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"victim");
        assert_eq!(read(&dir.path().join("m.bin")).unwrap(), net());
        let mut names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, ["m.bin", "victim"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_save_keeps_the_permissions_of_the_file_it_replaces() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        for mode in [0o600, 0o640, 0o604] {
            std::fs::write(&path, b"old").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            write(&net(), &path).unwrap();
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, mode);
        }
    }

    #[test]
    fn temporary_names_are_told_from_other_files() {
        for name in [".m.bin.12.tmp", ".m.bin.12-3.tmp"] {
            assert!(is_temp_name(name, "m.bin"), "{name}");
        }
        for name in ["m.bin", ".m.bin.tmp", ".m.bin..tmp", ".m.bin.x.tmp", ".m.bin.12.tmp.bak", ".n.bin.12.tmp"] {
            assert!(!is_temp_name(name, "m.bin"), "{name}");
        }
    }

    /// Found by the model_file fuzz target: finite but huge parameters gave NaN probabilities.
    #[test]
    fn finite_parameters_that_would_overflow_are_refused() {
        let n = net();
        for (index, activation) in [(3, Activation::Relu), (795 * 5 + 2, Activation::Sigmoid)] {
            let mut params = n.params().to_vec();
            params[index] = 3e38;
            let huge = Network::from_params(5, activation, params).unwrap();
            let err = from_bytes(&to_bytes(&huge), "m").unwrap_err().to_string();
            assert!(err.starts_with("m: byte 24: the weights of") && err.contains("so large"), "{err}");
        }
        // Large weights that still cannot overflow are kept: 1e6 in w1 and w2.
        let mut params = n.params().to_vec();
        params[3] = 1e6;
        params[795 * 5 + 2] = 1e6;
        let large = Network::from_params(5, Activation::Relu, params).unwrap();
        assert_eq!(from_bytes(&to_bytes(&large), "m").unwrap(), large);
    }
}
