import { LOGO_PATHS } from '../components/icons.js';

const SIZE = 64;
let lastKey = '';

/**
 * Draws the logo, with the unread count on a badge, into a data: URL favicon
 * (the app's CSP allows img-src data:, and there is no icon file to fetch).
 */
export function updateFavicon(unread: number, accent: string): void {
  const key = `${unread}|${accent}`;
  if (key === lastKey) return;
  lastKey = key;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = SIZE;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.fillStyle = accent;
  ctx.beginPath();
  ctx.roundRect(0, 0, SIZE, SIZE, 14);
  ctx.fill();
  ctx.save();
  ctx.translate(8, 8);
  ctx.scale(2, 2);
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 2.25;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (const d of LOGO_PATHS) ctx.stroke(new Path2D(d));
  ctx.restore();
  if (unread > 0) drawBadge(ctx, unread > 99 ? '99+' : String(unread));
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.append(link);
  }
  link.type = 'image/png';
  link.href = canvas.toDataURL('image/png');
}

function drawBadge(ctx: CanvasRenderingContext2D, text: string): void {
  ctx.font = `bold ${text.length > 2 ? 22 : 28}px system-ui, sans-serif`;
  const width = Math.max(36, ctx.measureText(text).width + 14);
  const x = SIZE - width;
  ctx.fillStyle = '#e5484d';
  ctx.beginPath();
  ctx.roundRect(x, 0, width, 36, 18);
  ctx.fill();
  ctx.fillStyle = '#fff';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x + width / 2, 19);
}
