/**
 * Side panels that open wide enough for their tables: the lab's sidebars
 * start 250 px wide, which clips the Layer Inspector's statistics and the
 * Training Runs comparison.
 *
 * @example protected override onAfterShow() { if (!this.widened) requestAnimationFrame(() => (this.widened = widenSidebar(this, 420))); }
 */
import { SplitPanel, type Widget } from '@lumino/widgets';

/**
 * Widens the sidebar `widget` sits in to `width` px (at most half the split
 * panel above it), taking the room from its neighbours in proportion. Does
 * nothing when the sidebar is already that wide, or is not in a split panel.
 * Returns whether the widget was measured (false while it has no size yet).
 */
export function widenSidebar(widget: Widget, width: number): boolean {
  const current = widget.node.getBoundingClientRect().width;
  if (current <= 0) return false;
  if (current >= width) return true;
  let child: Widget = widget;
  let split: Widget | null = widget.parent;
  while (split && !(split instanceof SplitPanel)) [child, split] = [split, split.parent];
  if (!(split instanceof SplitPanel)) return true;
  const index = split.widgets.indexOf(child);
  const total = split.node.getBoundingClientRect().width;
  const sizes = split.relativeSizes();
  const others = sizes.reduce((a, b, i) => (i === index ? a : a + b), 0);
  const want = Math.min(width / total, 0.5);
  if (index < 0 || total <= 0 || others <= 0) return true;
  split.setRelativeSizes(sizes.map((s, i) => (i === index ? want : (s * (1 - want)) / others)));
  return true;
}
