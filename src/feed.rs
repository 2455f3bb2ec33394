//! The images a run trains on, batch by batch: each epoch's shuffled order, and each image as it is, or distorted
//! ([`crate::augment`]).
//!
//! A [`crate::Trainer`] fills its batches itself ([`Feed`]). Distorting takes about as long as training at the
//! tutorial's width, so it can also be done apart, on a second core: a [`Feeder`] makes the same images in the same
//! order from the same random draws, and hands them over in packed chunks (bytes that a web worker can pass to
//! another), which the trainer takes from a [`Queue`] ([`crate::Trainer::step_queued`]). A run fed so is the same
//! network, bit for bit, as the run that fills its own batches.
//!
//! A chunk, its numbers in the machine's byte order (it goes from one worker to another of the same browser), the
//! 16-bit ones first, so that each lies on its own alignment and a section is copied whole:
//!
//! ```text
//! k: u32, n: u32, m: u32     batches, images, pixels listed
//! size:   k × u16            images in each batch (the last batch of an epoch may be smaller)
//! count:  n × u16            pixels listed for each image
//! index:  m × u16            each image's pixels, increasing, each below 784
//! label:  n × u8             each a digit 0–9
//! value:  m × u8             the pixels' values, each nonzero
//! ```

use crate::augment::Augment;
#[cfg(feature = "augment")]
use crate::augment::{prefetch, Augmenter};
#[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
use crate::augment::{Distorter, Drawn};
use crate::batch::Batch;
use crate::error::{Error, Result};
#[cfg(feature = "augment")]
use crate::mnist::check;
use crate::mnist::Dataset;
#[cfg(feature = "augment")]
use crate::network::Network;
use crate::network::{INPUTS, OUTPUTS};
use crate::train::TrainConfig;
use rand::seq::SliceRandom;
#[cfg(feature = "augment")]
use rand::SeedableRng;
use rand_pcg::Pcg64;
use std::collections::VecDeque;

/// The order of the training images and their distortion: what a run's next batch holds.
#[derive(Clone, Debug)]
pub(crate) struct Feed {
    /// The random draws left after the network's initialisation: each epoch's shuffle, then each image's distortion.
    rng: Pcg64,
    order: Vec<u32>,
    batch_size: usize,
    augment: Augment,
    /// Distorts the images (none without the feature `augment`: a run with augmentation is then fed).
    #[cfg(feature = "augment")]
    augmenter: Augmenter,
    /// The batch of the epoch filled next (0: the order is shuffled first).
    next: usize,
}

impl Feed {
    /// The feed of a run of `config` over `train_len` images, `rng` as the network's initialisation left it.
    #[cfg_attr(not(feature = "augment"), allow(unused_mut))]
    pub(crate) fn new(config: &TrainConfig, mut rng: Pcg64, train_len: usize) -> Feed {
        Feed {
            #[cfg(feature = "augment")]
            augmenter: Augmenter::new(config.augment, &mut rng),
            rng,
            order: (0..train_len as u32).collect(),
            batch_size: config.batch_size,
            augment: config.augment,
            next: 0,
        }
    }

    /// n, the images of the training set.
    pub(crate) fn images(&self) -> usize {
        self.order.len()
    }

    /// Nothing if a training set of `len` images is the set of n this feed was made for, an error that says so
    /// otherwise.
    pub(crate) fn check_set(&self, len: usize) -> Result<()> {
        if len == self.images() {
            return Ok(());
        }
        Err(Error::Mismatch {
            what: message!(
                "core.train.otherSet",
                "the trainer was made for {expected} images, not {actual}",
                expected = self.images(),
                actual = len
            ),
        })
    }

    /// ⌈n / B⌉.
    pub(crate) fn batches_per_epoch(&self) -> usize {
        batch_count(self.order.len(), self.batch_size)
    }

    /// Empties `batch` and fills it with the run's next batch: the epoch's order shuffled before its first batch; each
    /// image as it is, or distorted. An image's label that is not a digit is an error.
    pub(crate) fn fill(&mut self, train: &Dataset, batch: &mut Batch) -> Result<()> {
        if self.augment != Augment::Off && cfg!(not(feature = "augment")) {
            let what = message!(
                "core.feed.none",
                "this build distorts no images: a feeder makes the batches of a run with augmentation"
            );
            return Err(Error::Mismatch { what });
        }
        let k = self.start_batch();
        let ahead = |k: usize| batch_of(&self.order, self.batch_size, k);
        if self.augment == Augment::Off {
            train.fill_batch(ahead(k), batch)?;
            // The next batch's images, fetched into the caches while this one trains (and where the one after it lies).
            train.prefetch(ahead(k + 1), ahead(k + 2));
        }
        #[cfg(feature = "augment")]
        if self.augment != Augment::Off {
            batch.clear();
            let indices = ahead(k);
            for (j, &i) in indices.iter().enumerate() {
                // The image after next, from the caches further out into the nearest, while this one is distorted.
                if let Some(&after) = indices.get(j + 2) {
                    prefetch(train.image(after as usize));
                }
                self.augmenter.push(train.image(i as usize), train.label(i as usize), batch, &mut self.rng)?;
            }
            // The next batch's images, fetched into the caches while this one trains.
            ahead(k + 1).iter().for_each(|&i| prefetch(train.image(i as usize)));
        }
        Ok(())
    }

    /// The batch of the epoch to fill now, the order shuffled when it is the first; the feed moves on to the next.
    fn start_batch(&mut self) -> usize {
        start_batch(&mut self.order, self.batch_size, &mut self.next, &mut self.rng)
    }

    /// The feed's random draws, to be taken a batch at a time ([`Draws::draw_batch`]), and its augmenter, which the
    /// threads that warp the drawn images share. Not for a run without augmentation.
    #[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
    pub(crate) fn draws(&mut self) -> (Draws<'_>, &Augmenter) {
        debug_assert_ne!(self.augment, Augment::Off);
        let Feed { rng, order, batch_size, next, augmenter, .. } = self;
        (Draws { rng, order, batch_size: *batch_size, next }, augmenter)
    }

    #[cfg(feature = "augment")]
    /// Appends to `chunk` the run's next batch as [`Feed::fill`] would fill it from the training set of `images`
    /// and `labels` ([`crate::mnist::check`]ed, of the length the feed was made for): its images' labels, pixel counts
    /// and listed pixels (the 8-bit values).
    fn pack(&mut self, images: &[u8], labels: &[u8], chunk: &mut Chunk) {
        let image = |i: u32| &images[i as usize * INPUTS..][..INPUTS];
        let k = self.start_batch();
        let indices = batch_of(&self.order, self.batch_size, k);
        chunk.size.push(indices.len() as u16);
        for (j, &i) in indices.iter().enumerate() {
            if let Some(&after) = indices.get(j + 2) {
                prefetch(image(after));
            }
            let image = image(i);
            let before = chunk.index.len();
            if self.augment == Augment::Off {
                for (p, &v) in image.iter().enumerate().filter(|(_, &v)| v != 0) {
                    chunk.index.push(p as u16);
                    chunk.value.push(v);
                }
            } else {
                let (index, value) = self.augmenter.distort(image, &mut self.rng);
                chunk.index.extend_from_slice(index);
                chunk.value.extend_from_slice(value);
            }
            chunk.label.push(labels[i as usize]);
            chunk.count.push((chunk.index.len() - before) as u16);
        }
    }
}

/// The batch of the epoch to fill now (`next`), `order` shuffled with `rng` when it is the first; `next` moves on to
/// the next batch, `b` images to a batch.
fn start_batch(order: &mut [u32], b: usize, next: &mut usize, rng: &mut Pcg64) -> usize {
    let k = *next;
    if k == 0 {
        order.shuffle(rng);
    }
    *next = (k + 1) % batch_count(order.len(), b);
    k
}

/// ⌈n / b⌉: the batches of an epoch of n images, b to a batch (the last one short when b does not divide n).
fn batch_count(n: usize, b: usize) -> usize {
    n.div_ceil(b)
}

/// A [`Feed`]'s order and random draws, borrowed ([`Feed::draws`]): the run's next batches drawn one after another,
/// their images warped apart ([`distort_batch`]), on two threads natively ([`crate::Trainer`]'s `train_alongside`).
#[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
pub(crate) struct Draws<'a> {
    rng: &'a mut Pcg64,
    order: &'a mut Vec<u32>,
    batch_size: usize,
    next: &'a mut usize,
}

#[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
impl Draws<'_> {
    /// Replaces `drawn` with the run's next batch: each image's place in the training set and its distortion, drawn
    /// with `augmenter` (the feed's), as [`Feed::fill`] draws them.
    pub(crate) fn draw_batch<'b>(&mut self, augmenter: &'b Augmenter, drawn: &mut Vec<(u32, Drawn<'b>)>) {
        let k = start_batch(self.order, self.batch_size, self.next, self.rng);
        drawn.clear();
        drawn.extend(batch_of(self.order, self.batch_size, k).iter().map(|&i| (i, augmenter.draw(&mut *self.rng))));
    }
}

/// Empties `batch` and fills it with the images of `train` that `drawn` names, each distorted as drawn
/// ([`Draws::draw_batch`]): the batch [`Feed::fill`] fills from the same draws. A label that is not a digit is an
/// error.
#[cfg(all(feature = "augment", not(target_arch = "wasm32")))]
pub(crate) fn distort_batch(
    train: &Dataset,
    drawn: &[(u32, Drawn)],
    distorter: &mut Distorter,
    batch: &mut Batch,
) -> Result<()> {
    batch.clear();
    for (j, &(i, draw)) in drawn.iter().enumerate() {
        // The image after next, from the caches further out into the nearest, while this one is distorted.
        if let Some(&(after, _)) = drawn.get(j + 2) {
            prefetch(train.image(after as usize));
        }
        let (index, value) = distorter.distort(train.image(i as usize), draw);
        batch.push_sparse(index, value, train.label(i as usize))?;
    }
    Ok(())
}

/// Images of an epoch's batch `k` in `order`, `b` to a batch (none past the epoch's end).
fn batch_of(order: &[u32], b: usize, k: usize) -> &[u32] {
    order.get(k * b..((k + 1) * b).min(order.len())).unwrap_or_default()
}

/// Batches as a chunk holds them (see the module's documentation).
#[derive(Clone, Debug, Default)]
struct Chunk {
    size: Vec<u16>,
    label: Vec<u8>,
    count: Vec<u16>,
    index: Vec<u16>,
    value: Vec<u8>,
}

/// The header: three u32.
const HEADER: usize = 12;

impl Chunk {
    #[cfg(feature = "augment")]
    /// An empty chunk with room for `images` images of `pixels` pixels each.
    fn with_room(images: usize, pixels: usize) -> Chunk {
        let index = Vec::with_capacity(images * pixels);
        let value = Vec::with_capacity(images * pixels);
        Chunk { size: Vec::new(), label: Vec::with_capacity(images), count: Vec::with_capacity(images), index, value }
    }

    #[cfg(feature = "augment")]
    fn to_bytes(&self) -> Vec<u8> {
        let (k, n, m) = (self.size.len(), self.label.len(), self.index.len());
        let mut bytes = Vec::with_capacity(HEADER + 2 * k + 3 * n + 3 * m);
        bytes.extend_from_slice(bytemuck::cast_slice(&[k as u32, n as u32, m as u32]));
        for section in [&self.size, &self.count, &self.index] {
            bytes.extend_from_slice(bytemuck::cast_slice(section));
        }
        bytes.extend_from_slice(&self.label);
        bytes.extend_from_slice(&self.value);
        bytes
    }

    /// A chunk read from `bytes`, every number checked: a chunk that is not what [`Chunk::to_bytes`] makes is an error
    /// that says what is wrong with it.
    fn from_bytes(bytes: &[u8]) -> Result<Chunk> {
        let bad = |problem: &str| Error::Mismatch {
            what: message!("core.feed.chunk", "a chunk of distorted images is damaged: {problem}", problem = problem),
        };
        if bytes.len() < HEADER {
            return Err(bad("shorter than its header"));
        }
        let header: Vec<u32> = bytemuck::pod_collect_to_vec(&bytes[..HEADER]);
        let [k, n, m] = [0, 1, 2].map(|i| header[i] as usize);
        // (Checked: in wasm a usize is 32 bits, and a header's numbers can be anything up to 2³² − 1.)
        let twice = |x: usize| x.checked_mul(2);
        let expected =
            [twice(k), twice(n), twice(m), Some(n), Some(m)].iter().try_fold(HEADER, |sum, &x| sum.checked_add(x?));
        if expected != Some(bytes.len()) {
            return Err(bad("its length is not the one its header gives"));
        }
        let mut rest = &bytes[HEADER..];
        let mut take = |len: usize| {
            let (head, tail) = rest.split_at(len);
            rest = tail;
            head
        };
        let chunk = Chunk {
            size: bytemuck::pod_collect_to_vec(take(2 * k)),
            count: bytemuck::pod_collect_to_vec(take(2 * n)),
            index: bytemuck::pod_collect_to_vec(take(2 * m)),
            label: take(n).to_vec(),
            value: take(m).to_vec(),
        };
        if chunk.size.contains(&0) || chunk.size.iter().map(|&s| s as usize).sum::<usize>() != n {
            return Err(bad("its batches do not hold its images"));
        }
        if chunk.label.iter().any(|&l| l as usize >= OUTPUTS) {
            return Err(bad("a label is not a digit 0-9"));
        }
        if chunk.count.iter().map(|&c| c as usize).sum::<usize>() != m {
            return Err(bad("its images do not hold its pixels"));
        }
        let mut start = 0;
        for &c in &chunk.count {
            let image = &chunk.index[start..start + c as usize];
            if image.last().is_some_and(|&i| i as usize >= INPUTS) || image.windows(2).any(|w| w[0] >= w[1]) {
                return Err(bad("an image's pixels are not increasing places below 784"));
            }
            start += c as usize;
        }
        if chunk.value.contains(&0) {
            return Err(bad("a listed pixel is 0"));
        }
        Ok(chunk)
    }
}

#[cfg(feature = "augment")]
/// Makes a run's batches apart from its trainer, in packed chunks: the same images in the same order as the trainer
/// of the same settings would fill itself, from the same random draws.
#[derive(Clone, Debug)]
pub struct Feeder {
    feed: Feed,
    /// A little more than the pixels listed for an image of the last chunk, on average.
    pixels_per_image: usize,
}

#[cfg(feature = "augment")]
impl Feeder {
    /// The feeder of a run of `config` over a training set of `train_len` images: the random draws of
    /// [`crate::Trainer::new`] with `config`, after the network's initialisation (which it makes, and drops).
    pub fn new(config: &TrainConfig, train_len: usize) -> Result<Feeder> {
        config.validate()?;
        let mut rng = Pcg64::seed_from_u64(config.seed);
        Network::new(config.hidden, config.activation, config.init, &mut rng)?;
        Ok(Feeder { feed: Feed::new(config, rng, train_len), pixels_per_image: 256 })
    }

    /// The run's next `batches` batches, packed (the module's documentation), of the training set of `images` (n ×
    /// 784 bytes) and `labels` (n bytes, each a digit: [`crate::mnist::check`]), n the length the feeder was made for
    /// (an error otherwise). They follow on from the epoch's last batch into the next epoch, so that a chunk can be
    /// made ahead of the trainer's need whatever the epoch.
    pub fn next(&mut self, images: &[u8], labels: &[u8], batches: usize) -> Result<Vec<u8>> {
        check(images, labels)?;
        self.feed.check_set(labels.len())?;
        // Room for the batches' pixels as the last chunk held them (so that the lists are not copied as they grow),
        // for an epoch's images at most: room is only a guess, and `batches` comes from JS.
        let images_ahead = batches.saturating_mul(self.feed.batch_size).min(self.feed.order.len());
        let mut chunk = Chunk::with_room(images_ahead, self.pixels_per_image);
        for _ in 0..batches {
            self.feed.pack(images, labels, &mut chunk);
        }
        self.pixels_per_image = chunk.index.len().div_ceil(chunk.label.len().max(1)) + 16;
        Ok(chunk.to_bytes())
    }
}

/// Chunks of a [`Feeder`] received, whose batches a trainer takes in order.
#[derive(Clone, Debug, Default)]
pub struct Queue {
    chunks: VecDeque<Chunk>,
    /// In the front chunk: its next batch, image and listed pixel.
    batch: usize,
    image: usize,
    pixel: usize,
}

impl Queue {
    /// An empty queue.
    pub fn new() -> Queue {
        Queue::default()
    }

    /// Adds a chunk after the others (an error, the queue unchanged, for bytes that are not a chunk).
    pub fn push(&mut self, bytes: &[u8]) -> Result<()> {
        let chunk = Chunk::from_bytes(bytes)?;
        if !chunk.size.is_empty() {
            self.chunks.push_back(chunk);
        }
        Ok(())
    }

    /// The batches queued.
    pub fn batches(&self) -> usize {
        self.chunks.iter().map(|c| c.size.len()).sum::<usize>() - self.batch
    }

    /// Empties `batch` and fills it with the next batch queued, which must hold `images` images (an error otherwise:
    /// the chunks are not the ones of this run). Returns false, the batch untouched, when no batch is queued.
    pub fn take(&mut self, images: usize, batch: &mut Batch) -> Result<bool> {
        let Some(chunk) = self.chunks.front() else { return Ok(false) };
        let size = chunk.size[self.batch] as usize;
        if size != images {
            return Err(Error::Mismatch {
                what: message!(
                    "core.feed.batch",
                    "a batch of {size} distorted images came where the run takes {images}",
                    size = size,
                    images = images
                ),
            });
        }
        batch.clear();
        for image in self.image..self.image + size {
            let pixels = self.pixel..self.pixel + chunk.count[image] as usize;
            batch.push_sparse(&chunk.index[pixels.clone()], &chunk.value[pixels.clone()], chunk.label[image])?;
            self.pixel = pixels.end;
        }
        self.image += size;
        self.batch += 1;
        if self.batch == chunk.size.len() {
            self.chunks.pop_front();
            (self.batch, self.image, self.pixel) = (0, 0, 0);
        }
        Ok(true)
    }
}

#[cfg(all(test, feature = "augment"))]
mod tests {
    use super::*;
    use crate::math::Activation;
    use crate::train::Trainer;
    use rand::Rng;

    fn dataset(n: usize, seed: u64) -> Dataset {
        let mut rng = Pcg64::seed_from_u64(seed);
        let images = (0..n * INPUTS).map(|_| if rng.random_bool(0.25) { rng.random() } else { 0 }).collect();
        Dataset::new(images, (0..n).map(|i| (i % 10) as u8).collect()).unwrap()
    }

    /// A run fed from a [`Feeder`] in chunks that do not fall on epochs (of 7 batches, an epoch being 11 with a
    /// smaller last one) is the run that fills its own batches, bit for bit, for each kind of augmentation, in
    /// stretches of batches that cross neither chunks nor epochs in step.
    #[test]
    fn a_fed_run_is_the_run_that_fills_its_own_batches() {
        let data = dataset(330, 5);
        for augment in [Augment::Off, Augment::Affine, Augment::Elastic] {
            let config = TrainConfig {
                hidden: 40,
                activation: Activation::Relu,
                epochs: 3,
                batch_size: 31,
                augment,
                seed: 9,
                ..TrainConfig::default()
            };
            let mut own = Trainer::new(config.clone(), data.len()).unwrap();
            let mut fed = Trainer::new(config.clone(), data.len()).unwrap();
            let mut feeder = Feeder::new(&config, data.len()).unwrap();
            let mut queue = Queue::new();
            let mut stretches = [3, 5, 2, 8].into_iter().cycle();
            while !fed.is_finished() {
                if queue.batches() < 8 {
                    queue.push(&feeder.next(data.images(), data.labels(), 7).unwrap()).unwrap();
                }
                let stretch = stretches.next().unwrap();
                let a = own.step(&data, stretch).unwrap();
                let b = fed.step_queued(&mut queue, stretch).unwrap();
                assert_eq!(a, b, "{augment:?}");
                assert_eq!(own.network(), fed.network(), "{augment:?}");
            }
            assert!(own.is_finished());
        }
    }

    /// An empty queue trains nothing; a chunk of another run's batch size is refused where its batch is taken.
    #[test]
    fn a_queue_gives_only_the_batches_it_holds_of_the_size_the_run_takes() {
        let data = dataset(100, 6);
        let config = TrainConfig { augment: Augment::Affine, batch_size: 10, ..TrainConfig::default() };
        let mut trainer = Trainer::new(config.clone(), data.len()).unwrap();
        let mut queue = Queue::new();
        let before = trainer.network().clone();
        let progress = trainer.step_queued(&mut queue, 5).unwrap();
        assert_eq!((progress.batch, progress.samples), (0, 0));
        assert_eq!(trainer.network(), &before);
        let other = TrainConfig { batch_size: 20, ..config };
        queue.push(&Feeder::new(&other, data.len()).unwrap().next(data.images(), data.labels(), 2).unwrap()).unwrap();
        let err = trainer.step_queued(&mut queue, 5).unwrap_err().to_string();
        assert_eq!(err, "a batch of 20 distorted images came where the run takes 10");
        assert!(Feeder::new(&other, 99).unwrap().next(data.images(), data.labels(), 1).is_err());
    }

    /// Bytes that are not a chunk are refused with what is wrong with them, and the queue is unchanged.
    #[test]
    fn a_damaged_chunk_is_refused_and_says_why() {
        let data = dataset(40, 7);
        let config = TrainConfig { augment: Augment::Elastic, batch_size: 8, ..TrainConfig::default() };
        let good = Feeder::new(&config, data.len()).unwrap().next(data.images(), data.labels(), 3).unwrap();
        let (k, n) = (3, 24);
        let (count_at, index_at) = (HEADER + 2 * k, HEADER + 2 * k + 2 * n);
        let m = (good.len() - index_at - n) / 3;
        let (label_at, value_at) = (index_at + 2 * m, index_at + 2 * m + n);
        let damaged = |at: usize, byte: u8| {
            let mut bytes = good.clone();
            bytes[at] = byte;
            bytes
        };
        // A header whose numbers are 2³¹ (twice that overflows a 32-bit usize, as in wasm), then the chunk's bytes.
        let huge = [[0, 0, 0, 0x80]; 3].concat().into_iter().chain(good[HEADER..].iter().copied()).collect();
        let cases: [(Vec<u8>, &str); 8] = [
            (good[..7].to_vec(), "shorter than its header"),
            (good[..good.len() - 1].to_vec(), "its length is not the one its header gives"),
            (huge, "its length is not the one its header gives"),
            (damaged(HEADER, 9), "its batches do not hold its images"),
            (damaged(label_at + 5, 10), "a label is not a digit 0-9"),
            (damaged(count_at, 0), "its images do not hold its pixels"),
            (damaged(index_at + 1, 0x7f), "an image's pixels are not increasing places below 784"),
            (damaged(value_at + 4, 0), "a listed pixel is 0"),
        ];
        let mut queue = Queue::new();
        queue.push(&good).unwrap();
        for (bytes, problem) in cases {
            let err = queue.push(&bytes).unwrap_err().to_string();
            assert_eq!(err, format!("a chunk of distorted images is damaged: {problem}"));
        }
        assert_eq!(queue.batches(), 3);
    }
}
