"""Kop surat (letterhead) of an office: stored in the database, edited by admins on the admin page,
printed at the head of every briefing, quarterly report and rekap.

Documents use the letterhead of the user's office (:func:`letterhead_for`); an office without one
falls back to the template ``data/templates/kop.toml``. A logo is accepted only as a PNG or JPEG
of at most :data:`MAX_LOGO_BYTES`, decoded with Pillow and stored re-encoded as a PNG (no
metadata, at most :data:`LOGO_PIXELS` on its longest side) — never as uploaded.
"""

from __future__ import annotations

import hashlib
import io
import tomllib
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from auth.roles import PermissionDenied, in_scope, require, scope_label
from settings import DATA_DIR
from store.audit import AuditEvent, record
from store.db import transaction
from store.letterhead import LETTERHEAD_FIELDS, read_letterhead, write_letterhead
from store.regions import require_region

__all__ = ["FIELD_LIMITS", "KOP_FILE", "LOGO_PIXELS", "MAX_LOGO_BYTES", "Letterhead", "LetterheadError",
           "clean_logo", "letterhead_flowables", "letterhead_for", "letterhead_preview_png", "load_kop",
           "save_letterhead", "template_letterhead"]

KOP_FILE = DATA_DIR / "templates" / "kop.toml"
#: Largest logo file accepted (bytes).
MAX_LOGO_BYTES = 1_000_000
#: Largest logo accepted before decoding (width × height), so a small file cannot expand into a
#: huge bitmap.
MAX_LOGO_AREA = 4096 * 4096
#: Longest side of the stored logo (pixels); larger logos are scaled down.
LOGO_PIXELS = 600
#: Longest text of each field (characters).
FIELD_LIMITS = {"pemerintah": 120, "instansi": 120, "alamat": 200, "kontak": 200}
_SIGNATURES = {"PNG": b"\x89PNG\r\n\x1a\n", "JPEG": b"\xff\xd8\xff"}


class LetterheadError(ValueError):
    """A letterhead or its logo cannot be accepted (message in Bahasa Indonesia)."""


@dataclass(frozen=True)
class Letterhead:
    """One office's letterhead, as documents print it.

    Attributes
    ----------
    office : str or None
        The office's region code (None = national).
    logo : bytes or None
        A PNG re-encoded by :func:`clean_logo`.
    source : str
        ``"basis data"`` (set on the admin page) or ``"templat"`` (``kop.toml``).
    """

    pemerintah: str
    instansi: str
    alamat: str = ""
    kontak: str = ""
    logo: bytes | None = field(default=None, repr=False)
    office: str | None = None
    source: str = "templat"

    def get(self, key: str, default: str = "") -> str:
        """Dict-style access, for callers written for the template's dict."""
        value = getattr(self, key, default) if key in LETTERHEAD_FIELDS else default
        return value or default


def load_kop(path: Path = KOP_FILE) -> dict:
    """The letterhead lines of the template file (``pemerintah``, ``instansi``, ``alamat``)."""
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def template_letterhead(office: str | None = None, path: Path = KOP_FILE) -> Letterhead:
    """The template letterhead (``kop.toml``)."""
    kop = load_kop(path)
    return Letterhead(pemerintah=str(kop.get("pemerintah", "")), instansi=str(kop.get("instansi", "")),
                      alamat=str(kop.get("alamat", "")), kontak=str(kop.get("kontak", "")), office=office)


def letterhead_for(con: duckdb.DuckDBPyConnection, office: str | None) -> Letterhead:
    """The letterhead of ``office`` (a user's region; None = national) from the database, else the
    template."""
    row = read_letterhead(con, office)
    if row is None:
        return template_letterhead(office)
    return Letterhead(**{name: row[name] or "" for name in LETTERHEAD_FIELDS}, logo=row["logo"], office=office,
                      source="basis data")


def clean_logo(data: bytes) -> bytes:
    """A logo upload decoded and re-encoded as a PNG (RGB or RGBA, no metadata).

    Raises
    ------
    LetterheadError
        Empty, larger than :data:`MAX_LOGO_BYTES`, not a PNG or JPEG by its first bytes, larger
        than :data:`MAX_LOGO_AREA` pixels, or not decodable as what it claims to be.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise LetterheadError("berkas logo kosong")
    if len(data) > MAX_LOGO_BYTES:
        raise LetterheadError(f"berkas logo terlalu besar ({len(data) / 1e6:.1f} MB; paling besar "
                              f"{MAX_LOGO_BYTES / 1e6:.0f} MB)")
    kind = next((name for name, magic in _SIGNATURES.items() if data.startswith(magic)), None)
    if kind is None:
        raise LetterheadError("logo harus berupa gambar PNG atau JPEG")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=[kind])
        with probe:
            width, height = probe.size
            if width * height > MAX_LOGO_AREA:
                raise LetterheadError(f"logo terlalu besar ({width} × {height} piksel; paling besar 4096 × 4096)")
            if min(width, height) < 16:
                raise LetterheadError(f"logo terlalu kecil ({width} × {height} piksel; sedikitnya 16 × 16)")
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            image = image.convert("RGBA" if alpha else "RGB")
            image.thumbnail((LOGO_PIXELS, LOGO_PIXELS))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except LetterheadError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise LetterheadError("logo terlalu besar (jumlah piksel; paling besar 4096 × 4096)") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LetterheadError(f"logo tidak dapat dibaca sebagai gambar {kind}") from exc
    return out.getvalue()


def _clean_text(name: str, value) -> str:
    text = " ".join(str(value or "").split())  # one line: no newlines or runs of spaces
    limit = FIELD_LIMITS[name]
    if len(text) > limit:
        raise LetterheadError(f"{name} terlalu panjang ({len(text)} karakter; paling banyak {limit})")
    return text


def save_letterhead(con: duckdb.DuckDBPyConnection, actor, office: str | None, *, pemerintah: str, instansi: str,
                    alamat: str = "", kontak: str = "", logo: bytes | None = None, remove_logo: bool = False,
                    now: datetime | None = None) -> Letterhead:
    """Set the letterhead of ``office`` and record it in the audit log (one transaction).

    Parameters
    ----------
    actor : auth.User
        An admin whose scope holds ``office`` (only a national admin sets the national one).
    office : str or None
        A province or kabupaten/kota code; None = the national office.
    logo : bytes, optional
        A new logo upload (PNG/JPEG, checked and re-encoded by :func:`clean_logo`). Without it
        the stored logo stays, unless ``remove_logo``.

    Raises
    ------
    auth.roles.PermissionDenied
        ``actor`` is no admin, or ``office`` lies outside the admin's scope.
    LetterheadError
        A field is missing or too long, or the logo is refused.
    store.regions.UnknownRegion
        ``office`` is no province or kabupaten/kota code.
    """
    require(actor, "kelola_pengguna")
    if getattr(actor, "role", None) != "admin":
        raise PermissionDenied(f"Peran {actor.role} tidak berwenang mengubah kop surat.")
    if office is not None:
        office = require_region(con, office, ("prov", "kab"))
    if not in_scope(actor.region, office) or (office is None and actor.region is not None):
        raise PermissionDenied(f"Kop surat kantor {scope_label(office)} di luar cakupan Anda "
                               f"({scope_label(actor.region)}).")
    values = {name: _clean_text(name, value) for name, value in
              (("pemerintah", pemerintah), ("instansi", instansi), ("alamat", alamat), ("kontak", kontak))}
    for name in ("pemerintah", "instansi"):
        if not values[name]:
            raise LetterheadError(f"{name} wajib diisi")
    new_logo = clean_logo(logo) if logo is not None else None
    now = now or datetime.now(UTC).replace(tzinfo=None)
    with transaction(con):
        before = read_letterhead(con, office)
        if new_logo is not None:
            stored, what = new_logo, "baru"
        elif remove_logo:
            stored, what = None, "dihapus"
        else:
            stored = before["logo"] if before else None
            what = "tetap" if stored is not None else "tidak ada"
        digest = hashlib.sha256(stored).hexdigest() if stored is not None else None
        changed = [name for name in LETTERHEAD_FIELDS if before is None or (before[name] or "") != values[name]]
        write_letterhead(con, office, values, logo=stored, logo_sha256=digest, editor=actor.username, now=now)
        record(con, AuditEvent(actor=actor.username, role=actor.role, region=actor.region, action="kop_surat",
                               object=office or "nasional",
                               detail={"kolom_diubah": changed, "logo": what,
                                       **({"logo_sha256": digest[:16]} if digest else {})}))
    return Letterhead(**values, logo=stored, office=office, source="basis data")


# --- drawing ------------------------------------------------------------------------------

def letterhead_flowables(letterhead: Letterhead | dict | None, width_cm: float) -> list:
    """ReportLab flowables of the letterhead: the logo at the left, the lines centred, a double rule
    below (the usual Indonesian kop). Text is escaped."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, Spacer, Table, TableStyle

    from reports.document import paragraph

    if letterhead is None:
        letterhead = template_letterhead()
    elif isinstance(letterhead, dict):
        letterhead = Letterhead(**{name: str(letterhead.get(name, "") or "") for name in LETTERHEAD_FIELDS})
    base = getSampleStyleSheet()["Normal"]
    center = {"alignment": TA_CENTER, "spaceAfter": 0}
    lines = [paragraph(letterhead.pemerintah, base.clone("kop1", fontName="Helvetica-Bold", fontSize=11.5,
                                                         leading=14, **center)),
             paragraph(letterhead.instansi, base.clone("kop2", fontName="Helvetica-Bold", fontSize=13.5,
                                                       leading=16.5, **center))]
    for text in (letterhead.alamat, letterhead.kontak):
        if text:
            lines.append(paragraph(text, base.clone("kop3", fontSize=8.5, leading=10.5, **center)))
    logo_width = 2.3
    if letterhead.logo:
        image = Image(io.BytesIO(letterhead.logo), width=logo_width * cm, height=2.3 * cm, kind="proportional")
        cells = [[image, lines, ""]]
        widths = [logo_width * cm, (width_cm - 2 * logo_width) * cm, logo_width * cm]
    else:
        cells = [[lines]]
        widths = [width_cm * cm]
    head = Table(cells, colWidths=widths, hAlign="CENTER")
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    rule = Table([[""]], colWidths=[width_cm * cm], rowHeights=[3],
                 style=[("LINEABOVE", (0, 0), (-1, 0), 1.6, colors.black),
                        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black)])
    return [head, Spacer(1, 0.08 * cm), rule, Spacer(1, 0.15 * cm)]


def letterhead_preview_png(letterhead: Letterhead, width_px: int = 1200) -> bytes:
    """A picture of the letterhead as documents print it (for the admin page's preview)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image as PILImage

    ratio = 18.0 / 3.4
    fig = plt.figure(figsize=(width_px / 150, width_px / 150 / ratio), dpi=150)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 18)
    ax.set_ylim(0, 3.4)
    ax.set_axis_off()
    if letterhead.logo:
        logo = PILImage.open(io.BytesIO(letterhead.logo))
        w, h = logo.size
        scale = min(2.3 / w, 2.3 / h)
        x0, y0 = 1.15 - w * scale / 2, 1.9 - h * scale / 2
        ax.imshow(logo, extent=(x0, x0 + w * scale, y0, y0 + h * scale), zorder=2)
    y = 2.9
    for text, size, weight in ((letterhead.pemerintah, 11.5, "bold"), (letterhead.instansi, 13.5, "bold"),
                               (letterhead.alamat, 8.5, "normal"), (letterhead.kontak, 8.5, "normal")):
        if text:
            ax.text(9, y, text, ha="center", va="center", fontsize=size * 0.9, fontweight=weight,
                    parse_math=False)
            y -= 0.62 if size > 10 else 0.45
    ax.plot([0.1, 17.9], [0.45, 0.45], color="black", linewidth=2.2)
    ax.plot([0.1, 17.9], [0.33, 0.33], color="black", linewidth=0.7)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    plt.close(fig)
    return buffer.getvalue()
