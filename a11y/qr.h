/*
 * a11y/qr.h - a QR code as inline SVG (libqrencode), so that a family
 * member can scan a product page's address from a parent's screen or a
 * printed page.
 *
 * The SVG is drawn as one <path> of dark modules on a light square with
 * the quiet zone the standard asks for (4 modules), scales with the page
 * (viewBox, no fixed pixel size), prints in black on white, and carries
 * role="img" with an accessible name (aria-label) given by the caller, so
 * screen readers say what it is instead of reading shapes.
 */
#ifndef PH_A11Y_QR_H
#define PH_A11Y_QR_H

#include <stdbool.h>

#include "a11y/buf.h"

#define PH_QR_TEXT_MAX_BYTES 1024 /* longer text is refused: a QR code for it would be too dense */

/* Appends <svg ...>...</svg> encoding `text` (UTF-8, byte mode, error
 * correction level M) to out; label is the accessible name (escaped here).
 * Returns false, appending nothing, when text is empty or too long or
 * libqrencode fails; out's own errors are sticky in out->failed. */
bool ph_qr_svg(const char *text, const char *label, struct ph_buf *out);

#endif
