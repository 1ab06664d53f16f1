//! The movements' hash chain, checked by the program itself and anchored outside the database.
//!
//! The database hashes every movement with the one before it of the same product
//! (`movement_hash()` in the migrations). Someone with the database owner's login can still
//! rewrite history behind the program's back: change a movement and recompute every later hash,
//! cut a chain's tail, erase a product's whole history, or replace `movement_hash()` itself. So:
//!
//! * every hash is recomputed here, in Rust, never by asking the database's function;
//! * the database's `movement_hash()` is compared with the text the migrations gave it;
//! * the chain heads (the last movement of every product, and one hash over all heads) are
//!   written into an anchor: a file in the station's data dir, which no database login can
//!   write, and every backup manifest. A later check compares the chain with the last anchor:
//!   an anchored movement must still be there with the same hash, and what was added since is
//!   named.
//!
//! Reads only; never writes to the database.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use futures::{pin_mut, TryStreamExt};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio_postgres::GenericClient;

use crate::error::Result;

/// The last movement of one product's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Head {
    pub product_id: i64,
    pub movement_id: i64,
    #[serde(serialize_with = "as_hex")]
    pub hash: Vec<u8>,
}

fn as_hex<S: serde::Serializer>(b: &[u8], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

/// One movement as the hash sees it.
struct Link {
    id: i64,
    product_id: i64,
    kind: String,
    quantity: Decimal,
    employee_id: Option<i64>,
    user_id: Option<i64>,
    verification_id: Option<i64>,
    reverses_id: Option<i64>,
    note: Option<String>,
    station: String,
    created_at: DateTime<Utc>,
    prev_hash: Option<Vec<u8>>,
    hash: Vec<u8>,
    /// V17: where an imported movement came from; NULL (left out) for one posted here.
    origin: Option<String>,
    import_run: Option<i64>,
    /// The old system's data as jsonb's own text.
    legacy: Option<String>,
}

/// The same bytes `movement_hash()` of migrations V2 and V17 hashes: the previous hash, then the
/// fields joined by `|` as `concat_ws` joins them (a NULL is left out, not written empty; V17's
/// origin, import run and legacy data are NULL for every movement posted here, so those hash
/// exactly as under V2).
fn expected_hash(m: &Link) -> Vec<u8> {
    let opt = |v: Option<i64>| v.map_or("-".to_string(), |v| v.to_string());
    let fields: Vec<String> = [
        Some(m.id.to_string()),
        Some(m.product_id.to_string()),
        Some(m.kind.clone()),
        Some(m.quantity.normalize().to_string()),
        Some(opt(m.employee_id)),
        m.user_id.map(|v| v.to_string()),
        Some(opt(m.verification_id)),
        Some(opt(m.reverses_id)),
        Some(m.note.clone().unwrap_or_default()),
        Some(m.station.clone()),
        Some(m.created_at.timestamp_micros().to_string()),
        m.origin.clone(),
        m.import_run.map(|v| v.to_string()),
        m.legacy.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut h = Sha256::new();
    h.update(m.prev_hash.as_deref().unwrap_or_default());
    h.update(fields.join("|").as_bytes());
    h.finalize().to_vec()
}

/// What changed in a chain since the last anchor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SinceAnchor {
    pub anchored_at: DateTime<Utc>,
    /// Anchored movements that are gone or whose hash changed: history was cut, erased or
    /// rewritten since the anchor.
    pub lost: Vec<LostHead>,
    /// How many lost heads there are in all (`lost` names the first 100).
    pub lost_count: i64,
    /// Movements saved after the anchor, in all and the first few of them.
    pub added: i64,
    pub added_first: Vec<AddedMovement>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LostHead {
    pub product_id: i64,
    pub movement_id: i64,
    /// "gone": the anchored movement is no longer in the chain (its tail was cut, or the whole
    /// history erased); "changed": it is there with another hash (it or one before it was
    /// rewritten).
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddedMovement {
    pub movement_id: i64,
    pub product_id: i64,
    pub kind: String,
    pub quantity: Decimal,
    pub station: String,
    pub created_at: DateTime<Utc>,
}

/// The chain as recomputed here.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainCheck {
    pub movements: i64,
    /// Movements whose hash (`problem` "hash") or link to the one before ("link") does not hold;
    /// the first 100, and how many in all.
    pub broken: Vec<crate::movements::BrokenLink>,
    pub broken_count: i64,
    /// The database's `movement_hash()` is not the one the migrations wrote.
    pub hash_function_replaced: bool,
    pub since_anchor: Option<SinceAnchor>,
    #[serde(skip)]
    pub heads: Vec<Head>,
}

const KEEP: usize = 100;

/// Streams every movement in chain order and recomputes each hash; compares with `anchor`.
pub async fn check(c: &impl GenericClient, anchor: Option<&Anchor>) -> Result<ChainCheck> {
    let stream = c
        .query_raw(
            "SELECT id, product_id, kind::text, quantity, employee_id, user_id, verification_id, reverses_id, note, station,
                    created_at, prev_hash, hash, origin, import_run, legacy::text
               FROM movements ORDER BY product_id, id",
            std::iter::empty::<i64>(),
        )
        .await?;
    pin_mut!(stream);
    let anchored: HashMap<i64, (i64, &[u8])> =
        anchor.map(|a| a.heads.iter().map(|h| (h.product_id, (h.movement_id, h.hash.as_slice()))).collect()).unwrap_or_default();
    let mut out =
        ChainCheck { movements: 0, broken: vec![], broken_count: 0, hash_function_replaced: false, since_anchor: None, heads: vec![] };
    let mut since = anchor.map(|a| SinceAnchor { anchored_at: a.taken_at, lost: vec![], lost_count: 0, added: 0, added_first: vec![] });
    // Per product: the previous hash, and whether the anchored head was met (and held).
    let mut current: Option<(i64, Vec<u8>, i64)> = None;
    let mut anchor_seen: Option<bool> = None;
    let mut seen_products: Vec<i64> = vec![];

    let finish_product = |product: i64,
                          last_id: i64,
                          last_hash: Vec<u8>,
                          anchor_seen: Option<bool>,
                          since: &mut Option<SinceAnchor>,
                          heads: &mut Vec<Head>| {
        heads.push(Head { product_id: product, movement_id: last_id, hash: last_hash });
        if let (Some(s), Some((anchored_id, _))) = (since.as_mut(), anchored.get(&product)) {
            if anchor_seen.is_none() {
                lose(s, product, *anchored_id, "gone");
            }
        }
    };

    while let Some(row) = stream.try_next().await? {
        let m = Link {
            id: row.get(0),
            product_id: row.get(1),
            kind: row.get(2),
            quantity: row.get(3),
            employee_id: row.get(4),
            user_id: row.get(5),
            verification_id: row.get(6),
            reverses_id: row.get(7),
            note: row.get(8),
            station: row.get(9),
            created_at: row.get(10),
            prev_hash: row.get(11),
            hash: row.get(12),
            origin: row.get(13),
            import_run: row.get(14),
            legacy: row.get(15),
        };
        out.movements += 1;
        let prev_in_chain = match current.take() {
            Some((product, hash, last_id)) if product == m.product_id => Some((hash, last_id)),
            Some((product, hash, last_id)) => {
                finish_product(product, last_id, hash, anchor_seen.take(), &mut since, &mut out.heads);
                None
            }
            None => None,
        };
        if prev_in_chain.is_none() {
            seen_products.push(m.product_id);
        }
        let link_ok = m.prev_hash.as_deref() == prev_in_chain.as_ref().map(|(h, _)| h.as_slice());
        let hash_ok = expected_hash(&m) == m.hash;
        if !hash_ok || !link_ok {
            out.broken_count += 1;
            if out.broken.len() < KEEP {
                let problem = if hash_ok { "link" } else { "hash" };
                out.broken.push(crate::movements::BrokenLink { movement_id: m.id, product_id: m.product_id, problem: problem.into() });
            }
        }
        if let Some(s) = since.as_mut() {
            match anchored.get(&m.product_id) {
                Some((anchored_id, anchored_hash)) if *anchored_id == m.id => {
                    anchor_seen = Some(true);
                    if m.hash != *anchored_hash {
                        lose(s, m.product_id, m.id, "changed");
                    }
                }
                Some((anchored_id, _)) if m.id < *anchored_id => {}
                // After the anchored head, or a product the anchor did not know.
                _ => {
                    s.added += 1;
                    if s.added_first.len() < 20 {
                        s.added_first.push(AddedMovement {
                            movement_id: m.id,
                            product_id: m.product_id,
                            kind: m.kind.clone(),
                            quantity: m.quantity.normalize(),
                            station: m.station.clone(),
                            created_at: m.created_at,
                        });
                    }
                }
            }
        }
        current = Some((m.product_id, m.hash, m.id));
    }
    if let Some((product, hash, last_id)) = current.take() {
        finish_product(product, last_id, hash, anchor_seen.take(), &mut since, &mut out.heads);
    }
    // Anchored products with no movement left at all: their whole history was erased.
    if let (Some(s), Some(a)) = (since.as_mut(), anchor) {
        seen_products.sort_unstable();
        for h in &a.heads {
            if seen_products.binary_search(&h.product_id).is_err() {
                lose(s, h.product_id, h.movement_id, "gone");
            }
        }
        s.lost.sort_by_key(|l| (l.product_id, l.movement_id));
    }
    out.since_anchor = since;
    out.hash_function_replaced = hash_function_replaced(c).await?;
    Ok(out)
}

fn lose(s: &mut SinceAnchor, product_id: i64, movement_id: i64, problem: &str) {
    s.lost_count += 1;
    if s.lost.len() < KEEP {
        s.lost.push(LostHead { product_id, movement_id, problem: problem.into() });
    }
}

/// Whether the database's `movement_hash()` differs from the body the migrations gave it (the
/// last migration that defines it).
async fn hash_function_replaced(c: &impl GenericClient) -> Result<bool> {
    let Some(expected) = crate::db::migration_function_body("movement_hash") else {
        return Ok(false);
    };
    let row =
        c.query_opt("SELECT prosrc FROM pg_proc WHERE proname = 'movement_hash' AND pronamespace = 'public'::regnamespace", &[]).await?;
    Ok(row.map(|r| r.get::<_, String>(0)).as_deref().map(str::trim) != Some(expected.trim()))
}

/// The chain heads at one moment: written after a clean check and into every backup manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    pub taken_at: DateTime<Utc>,
    pub movements: i64,
    /// Sorted by product.
    pub heads: Vec<Head>,
}

const MAGIC: &str = "ombor-ledger-anchor v1";

impl Anchor {
    pub fn new(movements: i64, mut heads: Vec<Head>) -> Anchor {
        heads.sort_by_key(|h| h.product_id);
        Anchor { taken_at: Utc::now(), movements, heads }
    }

    /// sha256 (hex) over every head's line: one value that stands for the whole ledger's state.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for line in self.head_lines() {
            h.update(line.as_bytes());
            h.update(b"\n");
        }
        hex::encode(h.finalize())
    }

    fn head_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.heads.iter().map(|h| format!("{} {} {}", h.product_id, h.movement_id, hex::encode(&h.hash)))
    }

    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{MAGIC}\ntaken_at {}\nmovements {}\nproducts {}\nheads_sha256 {}\n",
            self.taken_at.to_rfc3339(),
            self.movements,
            self.heads.len(),
            self.digest()
        );
        for line in self.head_lines() {
            s.push_str(&line);
            s.push('\n');
        }
        s
    }

    /// Reads an anchor back; refuses one whose heads do not match its own digest.
    pub fn parse(text: &str) -> std::result::Result<Anchor, String> {
        let mut lines = text.lines();
        if lines.next() != Some(MAGIC) {
            return Err("not a ledger anchor".into());
        }
        let mut field = |name: &str| -> std::result::Result<String, String> {
            let line = lines.next().unwrap_or_default();
            line.strip_prefix(name).map(|v| v.trim().to_string()).ok_or_else(|| format!("anchor: `{name}` expected, found `{line}`"))
        };
        let taken_at = DateTime::parse_from_rfc3339(&field("taken_at ")?).map_err(|e| format!("anchor time: {e}"))?.with_timezone(&Utc);
        let movements = field("movements ")?.parse().map_err(|e| format!("anchor movements: {e}"))?;
        let products: usize = field("products ")?.parse().map_err(|e| format!("anchor products: {e}"))?;
        let digest = field("heads_sha256 ")?;
        let mut heads = Vec::with_capacity(products);
        for line in lines {
            let mut parts = line.split(' ');
            let (Some(p), Some(m), Some(h), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
                return Err(format!("anchor: bad head line `{line}`"));
            };
            heads.push(Head {
                product_id: p.parse().map_err(|_| format!("anchor: bad head line `{line}`"))?,
                movement_id: m.parse().map_err(|_| format!("anchor: bad head line `{line}`"))?,
                hash: hex::decode(h).map_err(|_| format!("anchor: bad head line `{line}`"))?,
            });
        }
        let anchor = Anchor { taken_at, movements, heads };
        if anchor.heads.len() != products || anchor.digest() != digest {
            return Err("the anchor file was changed: its heads do not match its own digest".into());
        }
        Ok(anchor)
    }

    /// The anchor file, if there is one.
    pub fn read(path: &Path) -> std::result::Result<Option<Anchor>, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Anchor::parse(&text).map(Some).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Written beside itself under a name of this process's own, then renamed; readable by its
    /// owner only.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        f.write_all(self.to_text().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    }
}

/// The chain heads as the stock rows point at them (one row per product, fast enough for every
/// backup): what a backup's snapshot anchors.
pub async fn snapshot_heads(c: &impl GenericClient) -> Result<Vec<Head>> {
    let rows = c
        .query("SELECT product_id, last_movement_id, last_hash FROM stock WHERE last_movement_id IS NOT NULL ORDER BY product_id", &[])
        .await?;
    Ok(rows.iter().map(|r| Head { product_id: r.get(0), movement_id: r.get(1), hash: r.get::<_, Option<Vec<u8>>>(2).unwrap_or_default() }).collect())
}

/// How many of `anchor`'s heads are no longer in the ledger with the same hash: 0 means the
/// history before the anchor is as it was (cut, rewritten or erased chains change or lose their
/// anchored movement), so a newer anchor may replace it.
pub async fn anchored_heads_lost(c: &impl GenericClient, anchor: &Anchor) -> Result<i64> {
    let ids: Vec<i64> = anchor.heads.iter().map(|h| h.movement_id).collect();
    let hashes: Vec<Vec<u8>> = anchor.heads.iter().map(|h| h.hash.clone()).collect();
    let row = c
        .query_one(
            "SELECT count(*) FROM unnest($1::bigint[], $2::bytea[]) AS a(id, hash)
              WHERE NOT EXISTS (SELECT 1 FROM movements m WHERE m.id = a.id AND m.hash = a.hash)",
            &[&ids, &hashes],
        )
        .await?;
    Ok(row.get(0))
}

/// Where a station keeps its last anchor: `<data dir>/ledger-anchor`.
pub fn anchor_path(config: &crate::Config) -> std::path::PathBuf {
    config.data_dir().join("ledger-anchor")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchor_reads_back_and_refuses_an_edited_head() {
        let a = Anchor::new(
            3,
            vec![Head { product_id: 2, movement_id: 9, hash: vec![1; 32] }, Head { product_id: 1, movement_id: 4, hash: vec![2; 32] }],
        );
        let text = a.to_text();
        assert_eq!(Anchor::parse(&text).unwrap(), a);
        let edited = text.replace(&format!("2 9 {}", hex::encode([1u8; 32])), &format!("2 8 {}", hex::encode([1u8; 32])));
        assert!(Anchor::parse(&edited).unwrap_err().contains("changed"));
    }
}
