/**
 * Static HTML dashboards of mined latents ({@code isaerft dashboard}): self-contained files (inline
 * CSS, JS and SVG, no network), every string from data HTML-escaped.
 */
package org.isaerft.dashboard;
