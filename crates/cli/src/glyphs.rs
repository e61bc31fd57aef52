//! `observatory glyphs`: the SDF glyph PBFs MapLibre draws the map's labels with, rendered
//! from font files at set-up time so the map needs nothing from the internet.
//!
//! The format is MapLibre's `glyphs` URL template, `{fontstack}/{start}-{end}.pbf`: one
//! protobuf `glyphs.proto` message per 256 code points, holding one fontstack (its name,
//! its range and the glyphs the font has there), each glyph a signed distance field at
//! 24 px with a 3-pixel border, as fontnik and martin make them (`pbf_font_tools` renders
//! them with FreeType). Every one of the 256 ranges of the Basic Multilingual Plane is
//! written, empty where the font has no glyph, so MapLibre never asks for a missing file.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::{bail, Context};
use pbf_font_tools::freetype::{Face, Library};
use pbf_font_tools::prost::Message;
use pbf_font_tools::{glyph_range_for_face, Glyphs};
use rayon::prelude::*;

/// The fonts rendered when no --font is given (Debian package `fonts-noto-core`).
pub const DEFAULT_FONTS: [&str; 2] = [
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
];
const DEFAULT_FONT_PACKAGE: &str = "fonts-noto-core";

/// Font size, SDF radius and cutoff of MapLibre's glyphs (fontnik's values; the 3-pixel
/// border is fixed by `pbf_font_tools`).
const SIZE: usize = 24;
const RADIUS: usize = 8;
const CUTOFF: f64 = 0.25;
/// Code points per file, and files per fontstack (0-255 … 65280-65535).
const RANGE: u32 = 256;
const RANGES: u32 = 256;
/// Written last into a complete set: the fonts and settings it was made from.
const STAMP: &str = ".stamp";

pub struct Options {
    pub fonts: Vec<PathBuf>,
    pub out: PathBuf,
    /// Render again even when the output already holds a set made from the same fonts.
    pub force: bool,
    pub progress: bool,
}

/// What a run did.
pub enum Outcome {
    /// The output already held a complete set made from the same font files.
    UpToDate { out: PathBuf, fontstacks: usize },
    Rendered {
        out: PathBuf,
        fontstacks: usize,
        glyphs: usize,
        bytes: u64,
        took: Duration,
    },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::UpToDate { out, fontstacks } => write!(
                f,
                "glyphs in {} are up to date ({fontstacks} fontstacks × {RANGES} ranges from the same fonts); --force renders them again",
                out.display()
            ),
            Outcome::Rendered {
                out,
                fontstacks,
                glyphs,
                bytes,
                took,
            } => write!(
                f,
                "rendered {fontstacks} fontstacks × {RANGES} ranges, {glyphs} glyphs, {bytes} bytes into {} in {:.2} s",
                out.display(),
                took.as_secs_f64()
            ),
        }
    }
}

/// One face of a font file, and the fontstack MapLibre knows it by.
struct Font {
    path: PathBuf,
    face: isize,
    fontstack: String,
}

pub fn run(options: &Options) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let fonts = open_fonts(&options.fonts)?;
    let stamp = stamp(&fonts)?;
    if !options.force && is_complete(&options.out, &fonts, &stamp) {
        return Ok(Outcome::UpToDate {
            out: options.out.clone(),
            fontstacks: fonts.len(),
        });
    }

    // Rendered into a folder beside the target and renamed into place: a failed run
    // leaves the previous set (or none), never half of one.
    let parent = match options.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent)
        .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    let name = options
        .out
        .file_name()
        .with_context(|| format!("--out {} does not name a folder", options.out.display()))?;
    let work = tempfile::Builder::new()
        .prefix(&format!(".{}.tmp-", name.to_string_lossy()))
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a temporary folder in {}", parent.display()))?;
    let staged = work.path().join("new");
    for font in &fonts {
        let dir = staged.join(&font.fontstack);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }

    let jobs: Vec<(usize, u32)> = (0..fonts.len())
        .flat_map(|font| (0..RANGES).map(move |range| (font, range * RANGE)))
        .collect();
    let bar = progress_bar(options.progress, jobs.len() as u64);
    // FreeType faces stay on the thread that opened them: each worker opens its own.
    let written = jobs
        .par_iter()
        .map_init(
            || open_faces(&fonts),
            |faces, &(font, start)| {
                let faces = faces.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))?;
                let result = render_range(&fonts[font], &faces[font], start, &staged);
                bar.inc(1);
                result
            },
        )
        .collect::<anyhow::Result<Vec<(usize, u64)>>>();
    bar.finish_and_clear();
    let written = written?;
    fs::write(staged.join(STAMP), &stamp).context("cannot write the glyphs' stamp file")?;

    // Swap: the old set into the work folder (removed with it), the new one into place.
    let old = work.path().join("old");
    let had_old = options.out.exists();
    if had_old {
        fs::rename(&options.out, &old)
            .with_context(|| format!("cannot move the old {} aside", options.out.display()))?;
    }
    if let Err(e) = fs::rename(&staged, &options.out) {
        if had_old {
            let _ = fs::rename(&old, &options.out);
        }
        return Err(e)
            .with_context(|| format!("cannot move the glyphs to {}", options.out.display()));
    }
    drop(work);

    Ok(Outcome::Rendered {
        out: options.out.clone(),
        fontstacks: fonts.len(),
        glyphs: written.iter().map(|(glyphs, _)| glyphs).sum(),
        bytes: written.iter().map(|(_, bytes)| bytes).sum(),
        took: started.elapsed(),
    })
}

/// Checks every font file and names the fontstack of each of its faces.
fn open_fonts(paths: &[PathBuf]) -> anyhow::Result<Vec<Font>> {
    if paths.is_empty() {
        bail!("no font to render: pass --font");
    }
    let library = Library::init().context("cannot start FreeType")?;
    let mut fonts: Vec<Font> = Vec::new();
    for path in paths {
        if !path.is_file() {
            if DEFAULT_FONTS.iter().any(|d| Path::new(d) == path) {
                bail!(
                    "font {} not found: install the Debian package {DEFAULT_FONT_PACKAGE}, or pass --font",
                    path.display()
                );
            }
            bail!(
                "font {} not found: pass the path of a TrueType or OpenType file with --font",
                path.display()
            );
        }
        let unreadable = || {
            format!(
                "cannot read font {}: pass a TrueType or OpenType file with --font",
                path.display()
            )
        };
        let first = library.new_face(path, 0).with_context(unreadable)?;
        for face in 0..isize::from(first.num_faces()) {
            let opened = if face == 0 {
                first.clone()
            } else {
                library.new_face(path, face).with_context(unreadable)?
            };
            let fontstack = fontstack_name(&opened)
                .with_context(|| format!("font {} has no family name", path.display()))?;
            if fontstack.contains(['/', '\\']) || fontstack.starts_with('.') {
                bail!(
                    "font {} names itself {fontstack:?}, which cannot be a folder",
                    path.display()
                );
            }
            if let Some(other) = fonts.iter().find(|f| f.fontstack == fontstack) {
                bail!(
                    "fonts {} and {} are both {fontstack:?}: pass only one of them",
                    other.path.display(),
                    path.display()
                );
            }
            fonts.push(Font {
                path: path.clone(),
                face,
                fontstack,
            });
        }
    }
    Ok(fonts)
}

/// `Noto Sans Regular`: family and style, as `pbf_font_tools` names the fontstack.
fn fontstack_name(face: &Face) -> Option<String> {
    let mut name = face.family_name()?;
    if let Some(style) = face.style_name() {
        name.push(' ');
        name.push_str(&style);
    }
    Some(name)
}

fn open_faces(fonts: &[Font]) -> anyhow::Result<Vec<Face>> {
    let library = Library::init().context("cannot start FreeType")?;
    fonts
        .iter()
        .map(|font| {
            library
                .new_face(&font.path, font.face)
                .with_context(|| format!("cannot read font {}", font.path.display()))
        })
        .collect()
}

/// Renders one range of one face into `DIR/<fontstack>/<start>-<end>.pbf`; returns the
/// glyphs and bytes written.
fn render_range(font: &Font, face: &Face, start: u32, dir: &Path) -> anyhow::Result<(usize, u64)> {
    let end = start + RANGE - 1;
    let stack =
        glyph_range_for_face(face, start, end, SIZE, RADIUS, CUTOFF).with_context(|| {
            format!(
                "cannot render code points {start}-{end} of font {}",
                font.path.display()
            )
        })?;
    let glyphs = stack.glyphs.len();
    let bytes = Glyphs {
        stacks: vec![stack],
    }
    .encode_to_vec();
    let path = dir.join(&font.fontstack).join(format!("{start}-{end}.pbf"));
    fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok((glyphs, bytes.len() as u64))
}

/// The fonts (path, size, modification time) and settings a set is made from.
fn stamp(fonts: &[Font]) -> anyhow::Result<String> {
    let mut stamp = format!(
        "observatory glyphs: pbf_font_tools, {SIZE} px, radius {RADIUS}, cutoff {CUTOFF}\n"
    );
    for font in fonts {
        let meta = fs::metadata(&font.path)
            .with_context(|| format!("cannot read font {}", font.path.display()))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default();
        let path = fs::canonicalize(&font.path).unwrap_or_else(|_| font.path.clone());
        stamp.push_str(&format!(
            "{}\tface {}\t{} bytes\tmodified {}.{:09}\t{}\n",
            path.display(),
            font.face,
            meta.len(),
            modified.as_secs(),
            modified.subsec_nanos(),
            font.fontstack
        ));
    }
    Ok(stamp)
}

/// Whether `out` holds every file of every fontstack, made from the same fonts.
fn is_complete(out: &Path, fonts: &[Font], stamp: &str) -> bool {
    fs::read_to_string(out.join(STAMP)).is_ok_and(|s| s == stamp)
        && fonts.iter().all(|font| {
            (0..RANGES).all(|range| {
                let start = range * RANGE;
                out.join(&font.fontstack)
                    .join(format!("{start}-{}.pbf", start + RANGE - 1))
                    .is_file()
            })
        })
}

fn progress_bar(show: bool, len: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "rendering glyphs {bar:40} {pos}/{len} ranges [{elapsed}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGULAR: &str = DEFAULT_FONTS[0];

    fn regular_font() -> PathBuf {
        assert!(
            Path::new(REGULAR).is_file(),
            "{REGULAR} is missing: install the Debian package {DEFAULT_FONT_PACKAGE} (scripts/install-deps.sh does)"
        );
        PathBuf::from(REGULAR)
    }

    fn options(fonts: Vec<PathBuf>, out: PathBuf, force: bool) -> Options {
        Options {
            fonts,
            out,
            force,
            progress: false,
        }
    }

    fn decode(path: &Path) -> pbf_font_tools::Fontstack {
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut glyphs = Glyphs::decode(bytes.as_slice()).expect("a glyphs.proto message");
        assert_eq!(glyphs.stacks.len(), 1, "one fontstack per file");
        glyphs.stacks.remove(0)
    }

    #[test]
    fn glyphs_render_every_range_of_the_regular_font_and_honour_the_stamp() {
        let temp = tempfile::tempdir().expect("temp dir");
        let out = temp.path().join("glyphs");
        let first = run(&options(vec![regular_font()], out.clone(), false)).expect("rendered");
        assert!(
            matches!(first, Outcome::Rendered { glyphs, bytes, .. } if glyphs > 500 && bytes > 0)
        );

        let dir = out.join("Noto Sans Regular");
        for range in 0..RANGES {
            let start = range * RANGE;
            let file = dir.join(format!("{start}-{}.pbf", start + RANGE - 1));
            assert!(file.is_file(), "{} is missing", file.display());
        }

        let latin = decode(&dir.join("0-255.pbf"));
        assert_eq!(latin.name, "Noto Sans Regular");
        assert_eq!(latin.range, "0-255");
        for id in [65, 233] {
            let glyph = latin
                .glyphs
                .iter()
                .find(|g| g.id == id)
                .unwrap_or_else(|| panic!("no glyph {id} in 0-255"));
            assert!(
                glyph.width > 0 && glyph.height > 0 && glyph.advance > 0,
                "{glyph:?}"
            );
            let bitmap = glyph.bitmap.as_ref().expect("a bitmap");
            assert_eq!(
                bitmap.len() as u32,
                (glyph.width + 6) * (glyph.height + 6),
                "glyph {id}: an SDF with a 3-pixel border"
            );
        }

        let private_use = decode(&dir.join("57344-57599.pbf"));
        assert_eq!(private_use.name, "Noto Sans Regular");
        assert_eq!(private_use.range, "57344-57599");
        assert!(
            private_use.glyphs.is_empty(),
            "{} glyphs",
            private_use.glyphs.len()
        );

        // The same fonts again: nothing to do, unless forced.
        let again = run(&options(vec![regular_font()], out.clone(), false)).expect("second run");
        assert!(
            matches!(again, Outcome::UpToDate { fontstacks: 1, .. }),
            "{again}"
        );
        let forced = run(&options(vec![regular_font()], out.clone(), true)).expect("forced run");
        assert!(matches!(forced, Outcome::Rendered { .. }), "{forced}");
        // A set with a file missing is not complete.
        fs::remove_file(dir.join("256-511.pbf")).expect("remove");
        let repaired = run(&options(vec![regular_font()], out.clone(), false)).expect("repair");
        assert!(matches!(repaired, Outcome::Rendered { .. }), "{repaired}");
        assert!(dir.join("256-511.pbf").is_file());
        // Nothing is left beside the output.
        let beside: Vec<_> = fs::read_dir(temp.path()).expect("list").collect();
        assert_eq!(beside.len(), 1, "{beside:?}");
    }

    #[test]
    fn glyphs_name_a_missing_font_and_write_nothing() {
        let temp = tempfile::tempdir().expect("temp dir");
        let out = temp.path().join("glyphs");
        let missing = temp.path().join("NoSuchFont-Regular.ttf");
        let error = run(&options(
            vec![regular_font(), missing.clone()],
            out.clone(),
            false,
        ))
        .err()
        .expect("an error");
        let message = format!("{error:#}");
        assert!(
            message.contains(&missing.display().to_string()),
            "{message}"
        );
        assert!(message.contains("--font"), "{message}");
        assert!(!out.exists());

        let error = run(&options(
            vec![PathBuf::from(
                "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf.missing",
            )],
            out,
            false,
        ))
        .err()
        .expect("an error");
        assert!(format!("{error:#}").contains("NotoSans-Bold.ttf.missing"));
    }
}
