//! Training: epochs, shuffling, mini-batches, the learning-rate schedule,
//! augmentation, and the metrics that report on it.
//!
//! A [`Trainer`] is a state machine that its caller drives a stretch of batches
//! at a time ([`Trainer::step`]), so that a command-line progress bar and a web
//! worker that pauses, resumes and reports live curves use the same loop. It
//! never reads a clock: callers time what they want to time.

use crate::augment::Augment;
use crate::batch::{Batch, BatchStats};
use crate::error::{Error, Message, Result};
use crate::feed::{Feed, Queue};
use crate::math::{argmax, Activation};
use crate::mnist::Dataset;
use crate::network::PanelW1;
use crate::network::{check_hidden, Init, Network, NonFiniteLoss, Workspace, OUTPUTS};
#[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
use crate::{
    augment::Distorter,
    feed::{distort_batch, Draws},
};
use rand::SeedableRng;
use rand_pcg::Pcg64;
use serde::{Deserialize, Serialize};

/// How the learning rate η changes over the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// η stays at its initial value (the tutorial).
    Constant,
    /// η_t = η·½(1 + cos(π·t/T)) over the T batches of the whole run.
    Cosine,
    /// η is multiplied by `step_factor` every `step_every` epochs.
    Step,
}

impl Schedule {
    /// The name used on the command line and in the page.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Constant => "constant",
            Schedule::Cosine => "cosine",
            Schedule::Step => "step",
        }
    }
}

/// Everything that decides a training run. Same settings, same data, same seed:
/// the same network, bit for bit, on the same build.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// h, hidden units (1 to 4096).
    pub hidden: usize,
    /// f, the hidden activation.
    pub activation: Activation,
    /// Passes over the training set (1 to 1000).
    pub epochs: usize,
    /// B, images per SGD step (1 to 4096); 1 is the tutorial's per-sample SGD.
    pub batch_size: usize,
    /// η, the initial learning rate (above 0, at most 100).
    pub learning_rate: f32,
    /// How η changes over the run.
    pub schedule: Schedule,
    /// For [`Schedule::Step`]: epochs between two reductions (at least 1).
    pub step_every: usize,
    /// For [`Schedule::Step`]: the factor applied at each reduction (above 0, at most 1).
    pub step_factor: f32,
    /// How the parameters start.
    pub init: Init,
    /// Seed of every random choice: initialisation, shuffling, augmentation.
    pub seed: u64,
    /// Train on randomly shifted, rotated, scaled, thinned and thickened copies of the images
    /// ([`Augment::Affine`]), also elastically distorted ([`Augment::Elastic`]), or on the images.
    pub augment: Augment,
}

impl Default for TrainConfig {
    /// The defaults of every setting, for the command line and the page: the tutorial's
    /// 784-28-10 sigmoid network, trained with scaled initialisation, mini-batches of 32
    /// and a cosine schedule. (The shipped model, www/models/default.bin, is this recipe
    /// with 40 epochs and augmentation: see `make model`.)
    fn default() -> TrainConfig {
        TrainConfig {
            hidden: 28,
            activation: Activation::Sigmoid,
            epochs: 10,
            batch_size: 32,
            learning_rate: 0.5,
            schedule: Schedule::Cosine,
            step_every: 5,
            step_factor: 0.5,
            init: Init::Scaled,
            seed: 1,
            augment: Augment::Off,
        }
    }
}

impl TrainConfig {
    /// The tutorial's run: 28 sigmoid units, uniform [−1, 1] initialisation,
    /// per-sample SGD (B = 1) at η = 0.1 for 10 epochs.
    pub fn tutorial() -> TrainConfig {
        TrainConfig {
            hidden: 28,
            activation: Activation::Sigmoid,
            epochs: 10,
            batch_size: 1,
            learning_rate: 0.1,
            schedule: Schedule::Constant,
            init: Init::Uniform,
            ..TrainConfig::default()
        }
    }

    /// Checks every setting, with a message that gives the allowed range.
    pub fn validate(&self) -> Result<()> {
        check_hidden(self.hidden)?;
        if !(1..=1000).contains(&self.epochs) {
            return Err(Error::setting("epochs", Message::range(self.epochs, 1000)));
        }
        if !(1..=4096).contains(&self.batch_size) {
            return Err(Error::setting("batch size", Message::range(self.batch_size, 4096)));
        }
        check_learning_rate(self.learning_rate)?;
        if self.schedule == Schedule::Step {
            if self.step_every == 0 {
                return Err(Error::setting("step every", message!("core.atLeastOneEpoch", "must be at least 1 epoch")));
            }
            if !(self.step_factor > 0.0 && self.step_factor <= 1.0) {
                return Err(Error::setting("step factor", above_zero(self.step_factor, 1)));
            }
        }
        Ok(())
    }
}

/// A learning rate η for training or a teaching step: above 0, at most 100.
pub(crate) fn check_learning_rate(learning_rate: f32) -> Result<()> {
    if learning_rate > 0.0 && learning_rate <= 100.0 {
        Ok(())
    } else {
        Err(Error::setting("learning rate", above_zero(learning_rate, 100)))
    }
}

/// "{value} is outside the allowed range: above 0, at most {max}".
fn above_zero(value: f32, max: u32) -> Message {
    message!(
        "core.rangeAbove0",
        "{value} is outside the allowed range: above 0, at most {max}",
        value = value,
        max = max
    )
}

/// What a call to [`Trainer::step`] did.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Progress {
    /// The epoch being trained, counted from 1.
    pub epoch: usize,
    /// Batches done in this epoch, and how many it has.
    pub batch: usize,
    pub batches_per_epoch: usize,
    /// Σ L_b, the sum of the losses of the images trained on in this call, each measured
    /// as its batch was trained (before that batch's step).
    pub loss_sum: f64,
    /// How many of those images the network classified correctly, likewise.
    pub correct: usize,
    /// Images trained on in this call: the mean loss is `loss_sum / samples`.
    pub samples: usize,
    /// The learning rate of the last batch.
    pub learning_rate: f32,
    /// True when this call finished the epoch.
    pub epoch_done: bool,
}

/// Drives the training of one network over one training set.
#[derive(Clone, Debug)]
pub struct Trainer {
    config: TrainConfig,
    network: Network,
    /// Each epoch's order of the images and each batch's images, when the trainer fills its own batches.
    feed: Feed,
    /// Completed epochs, and batches done in the current one.
    epochs_done: usize,
    batch_in_epoch: usize,
    batch: Batch,
    workspace: Workspace,
    /// Loss and accuracy of the current epoch so far, as its batches were trained.
    epoch_stats: BatchStats,
    /// Wider than 32 (and natively at h = 28), w1 as the batches train it, its columns in panels on whole cache lines
    /// ([`PanelW1`]): made from the network once, and written back into it at the end of every [`Trainer::step`], so
    /// that [`Trainer::network`] is always the network as trained.
    panels: Option<PanelW1>,
}

/// An epoch whose mean training loss is above this has diverged: a network that
/// always answers "each digit 10%" scores ln 10 ≈ 2.30, and a learning network
/// is far below it after one epoch.
pub const DIVERGED_LOSS: f64 = 4.0 * std::f64::consts::LN_10;

impl Trainer {
    /// A trainer for a new network made by `config`, over a training set of `train_len` images.
    pub fn new(config: TrainConfig, train_len: usize) -> Result<Trainer> {
        config.validate()?;
        if train_len == 0 {
            return Err(Error::Mismatch { what: message!("core.train.empty", "the training set is empty") });
        }
        let mut rng = Pcg64::seed_from_u64(config.seed);
        let network = Network::new(config.hidden, config.activation, config.init, &mut rng)?;
        let batch = Batch::with_capacity(config.batch_size);
        Ok(Trainer {
            panels: PanelW1::of(&network),
            feed: Feed::new(&config, rng, train_len),
            config,
            network,
            epochs_done: 0,
            batch_in_epoch: 0,
            batch,
            workspace: Workspace::default(),
            epoch_stats: BatchStats::default(),
        })
    }

    /// The settings of this run.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The network as trained so far.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Epochs completed.
    pub fn epochs_done(&self) -> usize {
        self.epochs_done
    }

    /// True when every epoch of the run is done.
    pub fn is_finished(&self) -> bool {
        self.epochs_done >= self.config.epochs
    }

    /// Batches in one epoch: ⌈n / B⌉ (the last one may be smaller).
    pub fn batches_per_epoch(&self) -> usize {
        self.feed.batches_per_epoch()
    }

    /// η for batch `t` of the run (counted from 0 over all epochs).
    pub fn learning_rate_at(&self, t: usize) -> f32 {
        let c = &self.config;
        match c.schedule {
            Schedule::Constant => c.learning_rate,
            Schedule::Cosine => {
                let total = (c.epochs * self.batches_per_epoch()) as f64;
                let x = std::f64::consts::PI * t as f64 / total;
                (c.learning_rate as f64 * 0.5 * (1.0 + crate::math::sin_cos(x).1)) as f32
            }
            Schedule::Step => {
                let epoch = t / self.batches_per_epoch();
                c.learning_rate * c.step_factor.powi((epoch / c.step_every) as i32)
            }
        }
    }

    /// Trains at most `max_batches` batches of `train`, stopping early at the end of
    /// the epoch. `train` must be the set of `train_len` images the trainer was made for.
    ///
    /// A non-finite batch loss stops with [`Error::Diverged`] and leaves the network as it
    /// was before that batch; so does an epoch whose mean loss ends above [`DIVERGED_LOSS`]
    /// (the network is then as trained, and worse than guessing).
    ///
    /// Never inlined: the page's boundary, which calls it, is optimised for size (Cargo.toml's release profile), and
    /// the training loop inlined there would be too.
    #[inline(never)]
    pub fn step(&mut self, train: &Dataset, max_batches: usize) -> Result<Progress> {
        self.feed.check_set(train.len())?;
        self.step_from(Source::Own(train), max_batches)
    }

    /// As [`Trainer::step`], but on batches made apart by a [`crate::feed::Feeder`] of the same settings, taken from
    /// `queue`: at most `max_batches`, stopping early at the end of the epoch or of the queue (having trained none
    /// when it is empty). The network is the one [`Trainer::step`] trains, bit for bit, when every batch of the run is
    /// taken so.
    #[inline(never)]
    pub fn step_queued(&mut self, queue: &mut Queue, max_batches: usize) -> Result<Progress> {
        self.step_from(Source::Queue(queue), max_batches)
    }

    fn step_from(&mut self, source: Source, max_batches: usize) -> Result<Progress> {
        if self.is_finished() {
            let what = message!("core.train.done", "all {epochs} epochs are done", epochs = self.config.epochs);
            return Err(Error::Mismatch { what });
        }
        let per_epoch = self.batches_per_epoch();
        let trained = self.train_batches(source, max_batches);
        // w1 back in the network, however the batches ended.
        if let Some(w1) = &self.panels {
            w1.store(&mut self.network);
        }
        let (stats, learning_rate) = trained?;
        let epoch_done = self.batch_in_epoch == per_epoch;
        let progress = Progress {
            epoch: self.epochs_done + 1,
            batch: self.batch_in_epoch,
            batches_per_epoch: per_epoch,
            loss_sum: stats.loss_sum,
            correct: stats.correct,
            samples: stats.count,
            learning_rate,
            epoch_done,
        };
        if epoch_done {
            let epoch_loss = self.epoch_stats.loss_sum / self.epoch_stats.count.max(1) as f64;
            self.epochs_done += 1;
            self.batch_in_epoch = 0;
            self.epoch_stats = BatchStats::default();
            if epoch_loss > DIVERGED_LOSS {
                return Err(Error::Diverged { epoch: self.epochs_done, batch: None, loss: epoch_loss as f32 });
            }
        }
        Ok(progress)
    }

    /// The batches of [`Trainer::step`]: at most `max_batches`, to the end of the epoch (or of the queue), each filled
    /// (or distorted, or taken) and trained (natively at h = 28 and wider than 32 on w1 in panels). Returns their loss
    /// and accuracy and the last η.
    fn train_batches(&mut self, mut source: Source, max_batches: usize) -> Result<(BatchStats, f32)> {
        let per_epoch = self.batches_per_epoch();
        let b = self.config.batch_size;
        let mut stats = BatchStats::default();
        let mut learning_rate = self.learning_rate_at(self.epochs_done * per_epoch + self.batch_in_epoch);
        #[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
        if let Source::Own(train) = source {
            let count = max_batches.min(per_epoch - self.batch_in_epoch);
            if self.config.augment != Augment::Off && count > 1 {
                return self.train_alongside(train, count);
            }
        }
        for _ in 0..max_batches {
            let t = self.epochs_done * per_epoch + self.batch_in_epoch;
            learning_rate = self.learning_rate_at(t);
            match &mut source {
                Source::Own(train) => self.feed.fill(train, &mut self.batch)?,
                Source::Queue(queue) => {
                    let images = (self.feed.images() - self.batch_in_epoch * b).min(b);
                    if !queue.take(images, &mut self.batch)? {
                        break;
                    }
                }
            }
            let trained =
                train_on(&mut self.network, &mut self.panels, &self.batch, learning_rate, &mut self.workspace);
            let at = (self.epochs_done, &mut self.batch_in_epoch);
            count_in(trained, at, &mut stats, &mut self.epoch_stats)?;
            if self.batch_in_epoch == per_epoch {
                break;
            }
        }
        Ok((stats, learning_rate))
    }

    /// The next `count` batches of `train` (at least two, none past the epoch's end) of a run with augmentation,
    /// natively, on two threads. The batches are drawn one after another, in the run's order ([`Draws`]), at most
    /// [`AHEAD`] past the one being trained; each is then distorted by the thread that drew it. A second thread draws
    /// and distorts batches ahead; this one trains them in order, and, whenever the batch it needs next is not ready,
    /// draws and distorts the next batch itself rather than wait (where distorting takes longer than training, as at
    /// the tutorial's width on a slower processor, the two threads share it). The same batches, from the same random
    /// draws, in the same order as [`Trainer::train_batches`] fills them: the network is the same, bit for bit. (When a
    /// batch ends the call with an error, a few batches more than were trained may have been drawn: the random draws of
    /// a run that goes on after an error are then not those of one that distorts as it trains.)
    #[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
    fn train_alongside(&mut self, train: &Dataset, count: usize) -> Result<(BatchStats, f32)> {
        use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
        let t = self.epochs_done * self.batches_per_epoch() + self.batch_in_epoch;
        let rates: Vec<f32> = (t..t + count).map(|t| self.learning_rate_at(t)).collect();
        let b = self.config.batch_size;
        let mut stats = BatchStats::default();
        let Trainer { feed, network, panels, workspace, epoch_stats, epochs_done, batch_in_epoch, .. } = self;
        let (draws, augmenter) = feed.draws();
        let shelf = Mutex::new(Shelf {
            draws,
            drawn: 0,
            trained: 0,
            done: Vec::with_capacity(AHEAD + 1),
            empty: (0..AHEAD + 2).map(|_| Batch::with_capacity(b)).collect(),
            stop: false,
            lost: false,
        });
        let changed = Condvar::new();
        // (A thread that panicked holding the lock has ended the call: its panic is raised when the scope ends.)
        let lock = || shelf.lock().unwrap_or_else(PoisonError::into_inner);
        let wait = |guard| changed.wait(guard).unwrap_or_else(PoisonError::into_inner);
        // Draws the next batch (the lock held), distorts it (the lock let go) and shelves it.
        let distort_next = |mut shelf: MutexGuard<'_, Shelf<'_>>, distorter: &mut Distorter, drawn: &mut Vec<_>| {
            let k = shelf.drawn;
            shelf.drawn += 1;
            shelf.draws.draw_batch(augmenter, drawn);
            let mut batch = shelf.empty.pop().unwrap_or_else(|| Batch::with_capacity(b));
            drop(shelf);
            let result = distort_batch(train, drawn, distorter, &mut batch).map(|()| batch);
            let mut shelf = lock();
            shelf.done.push((k, result));
            changed.notify_all();
            shelf
        };
        std::thread::scope(|scope| {
            scope.spawn(|| {
                // Should this thread panic (a bug), the other must not wait for the batch it was distorting.
                let _lost = OnDrop(|| {
                    if std::thread::panicking() {
                        lock().lost = true;
                        changed.notify_all();
                    }
                });
                let (mut distorter, mut drawn) = (Distorter::new(), Vec::with_capacity(b));
                let mut shelf = lock();
                while !shelf.stop && shelf.drawn < count {
                    shelf = if shelf.drawn < shelf.trained + AHEAD {
                        distort_next(shelf, &mut distorter, &mut drawn)
                    } else {
                        wait(shelf)
                    };
                }
            });
            // However this thread leaves (an error, a panic), the other stops.
            let _stop = OnDrop(|| {
                lock().stop = true;
                changed.notify_all();
            });
            let (mut distorter, mut drawn) = (Distorter::new(), Vec::with_capacity(b));
            for (k, &learning_rate) in rates.iter().enumerate() {
                let mut shelf = lock();
                let batch = loop {
                    if let Some(at) = shelf.done.iter().position(|&(j, _)| j == k) {
                        break shelf.done.swap_remove(at).1;
                    }
                    assert!(!shelf.lost, "the distorting thread panicked");
                    shelf = if shelf.drawn < count && shelf.drawn < k + AHEAD {
                        distort_next(shelf, &mut distorter, &mut drawn)
                    } else {
                        wait(shelf)
                    };
                };
                drop(shelf);
                let batch = batch?;
                let trained = train_on(network, panels, &batch, learning_rate, workspace);
                let mut shelf = lock();
                shelf.trained = k + 1;
                shelf.empty.push(batch);
                changed.notify_all();
                drop(shelf);
                count_in(trained, (*epochs_done, batch_in_epoch), &mut stats, epoch_stats)?;
            }
            Ok((stats, *rates.last().expect("at least two batches")))
        })
    }

    /// Trains the rest of the current epoch.
    pub fn run_epoch(&mut self, train: &Dataset) -> Result<Progress> {
        self.step(train, usize::MAX)
    }
}

/// Batches drawn past the one being trained, at most ([`Trainer`]'s `train_alongside`).
#[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
const AHEAD: usize = 4;

/// What the two threads of `train_alongside` share: the run's draws, the batches drawn (`drawn`, numbered from the
/// call's first) and trained (`trained`), the distorted batches not yet trained (each with its number, or the error
/// that distorting it met), the emptied batches to fill again, whether the training has stopped, and whether the
/// distorting thread has panicked.
#[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
struct Shelf<'a> {
    draws: Draws<'a>,
    drawn: usize,
    trained: usize,
    done: Vec<(usize, Result<Batch>)>,
    empty: Vec<Batch>,
    stop: bool,
    lost: bool,
}

/// Runs its function when dropped.
#[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
struct OnDrop<F: FnMut()>(F);

#[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

/// Trains `batch` at η, wider than 32 (and natively at h = 28) on w1 in panels ([`PanelW1`]).
fn train_on(
    network: &mut Network,
    panels: &mut Option<PanelW1>,
    batch: &Batch,
    learning_rate: f32,
    workspace: &mut Workspace,
) -> std::result::Result<BatchStats, NonFiniteLoss> {
    match panels.as_mut() {
        Some(w1) => network.train_batch_panels(w1, batch, learning_rate, workspace),
        None => network.train_batch(batch, learning_rate, workspace),
    }
}

/// A batch trained at (epochs done, batches done in the epoch): its loss and accuracy added to the call's and the
/// epoch's, and the batch counted; a loss that is not finite is [`Error::Diverged`] at that batch, not counted.
fn count_in(
    trained: std::result::Result<BatchStats, NonFiniteLoss>,
    (epochs_done, batch_in_epoch): (usize, &mut usize),
    stats: &mut BatchStats,
    epoch_stats: &mut BatchStats,
) -> Result<()> {
    let batch_stats = trained.map_err(|NonFiniteLoss { loss_sum }| Error::Diverged {
        epoch: epochs_done + 1,
        batch: Some(*batch_in_epoch + 1),
        loss: loss_sum as f32,
    })?;
    stats.add(batch_stats);
    epoch_stats.add(batch_stats);
    *batch_in_epoch += 1;
    Ok(())
}

/// Where a trainer's batches come from.
enum Source<'a> {
    /// Filled (or distorted) by the trainer from the training set.
    Own(&'a Dataset),
    /// Taken from a feeder's chunks.
    Queue(&'a mut Queue),
}

/// How a network does on a dataset.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// Mean cross-entropy loss.
    pub loss: f64,
    /// Fraction classified correctly.
    pub accuracy: f64,
    /// `confusion[true][predicted]`: how many images of each digit were read as each digit.
    pub confusion: [[u32; OUTPUTS]; OUTPUTS],
    /// The accuracy the tutorial's own code would print ([`crate::tutorial`]: its softmax
    /// normalised over the samples instead of the classes).
    pub tutorial_accuracy: f64,
}

/// Evaluates `network` on every image of `data`.
pub fn evaluate(network: &Network, data: &Dataset) -> Evaluation {
    const CHUNK: usize = 256;
    let mut batch = Batch::with_capacity(CHUNK);
    let mut ws = Workspace::default();
    let mut total = BatchStats::default();
    let mut confusion = [[0u32; OUTPUTS]; OUTPUTS];
    // z2 (N, 10), kept for the tutorial's sample-normalised softmax.
    let mut z2 = Vec::with_capacity(data.len() * OUTPUTS);
    let indices: Vec<u32> = (0..data.len() as u32).collect();
    for chunk in indices.chunks(CHUNK) {
        data.fill_batch(chunk, &mut batch).expect("a dataset's labels are digits (Dataset::new checks them)");
        total.add(network.evaluate_batch(&batch, &mut ws));
        for (row, &label) in ws.probabilities().chunks_exact(OUTPUTS).zip(batch.labels()) {
            confusion[label as usize][argmax(row)] += 1;
        }
        ws.hidden_activations().chunks_exact(network.hidden()).for_each(|a1| z2.extend(network.logits(a1)));
    }
    let n = total.count.max(1) as f64;
    let tutorial_accuracy = crate::tutorial::tutorial_accuracy_of_logits(&z2, data);
    Evaluation { loss: total.loss_sum / n, accuracy: total.correct as f64 / n, confusion, tutorial_accuracy }
}

/// The per-epoch record that the command line prints (`--json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    /// Mean loss and accuracy of the network after the epoch, over the whole training set.
    pub loss: f64,
    /// The previous epoch's loss minus this one's (the tutorial's "loss reduction"; absent after the first).
    pub loss_reduction: Option<f64>,
    pub train_accuracy: f64,
    pub test_loss: f64,
    pub test_accuracy: f64,
    /// Seconds spent training this epoch (not evaluating).
    pub seconds: f64,
    /// The learning rate at the end of the epoch.
    pub learning_rate: f32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::INPUTS;
    use rand::Rng;

    /// A batch whose loss is not finite, after others in the same call to [`Trainer::step`]: the network is the one
    /// the batches before it trained, as when each batch is a call of its own. (Natively at h = 28 and wider than 32
    /// the trainer trains w1 apart from the network, [`PanelW1`], and must write it back however a call ends.)
    #[test]
    fn a_batch_that_diverges_mid_call_keeps_the_batches_before_it() {
        let mut rng = Pcg64::seed_from_u64(3);
        let images: Vec<u8> = (0..320 * INPUTS).map(|_| if rng.random_bool(0.2) { rng.random() } else { 0 }).collect();
        let labels: Vec<u8> = (0..320).map(|i| (i % 10) as u8).collect();
        let data = Dataset::new(images, labels).unwrap();
        // ReLU at the tutorial's width (one panel, rows padded) and at 64 (two panels), w2 scaled up so far that
        // δ1 = δ2·w2ᵀ makes w1's steps huge, until z2 overflows a few batches on (w1's own steps large enough to show
        // in it).
        // With augmentation too: natively a call of many batches then distorts on two threads
        // (`train_alongside`), which must stop, both, at the batch that diverges.
        let settings = [
            (28, 1e19, Augment::Off),
            (64, 3e19, Augment::Off),
            (28, 3e19, Augment::Elastic),
            (64, 3e19, Augment::Elastic),
        ];
        for (hidden, scale, augment) in settings {
            let config = TrainConfig { hidden, activation: Activation::Relu, augment, ..TrainConfig::default() };
            let trainer = || {
                let mut trainer = Trainer::new(config.clone(), data.len()).unwrap();
                let w2 = INPUTS * hidden + hidden..INPUTS * hidden + hidden + hidden * OUTPUTS;
                trainer.network.params_mut()[w2].iter_mut().for_each(|w| *w *= scale);
                trainer
            };
            let mut one_by_one = trainer();
            let err = loop {
                if let Err(e) = one_by_one.step(&data, 1) {
                    break e;
                }
            };
            assert!(
                matches!(err, Error::Diverged { batch: Some(b), .. } if b > 1),
                "h {hidden}, {augment:?}, {err}: none trained before"
            );
            let mut at_once = trainer();
            assert_eq!(at_once.step(&data, usize::MAX).unwrap_err().to_string(), err.to_string());
            assert_eq!(at_once.network, one_by_one.network, "h {hidden}, {augment:?}");
        }
    }
}
