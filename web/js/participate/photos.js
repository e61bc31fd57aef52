// @ts-check
// Then-and-now photos: a picture of a place with its year and a caption, sent as
// multipart; the accepted ones on the map, each popup showing the picture (re-encoded by
// the server, without its metadata) and its caption as text.

import { el } from '../dom.js';
import { strings } from '../i18n/index.js';
import * as api from './api.js';
import { field, form, honeypotValue, input, optionalValue, showReceipt, text, textarea, wireSubmit } from './form.js';
import { RequestFailed } from './http.js';
import { PointPicker } from './point.js';

/** @typedef {import('./panel.js').Context} Context */

export const MAX_BYTES = 8 * 1024 * 1024;
const TYPES = ['image/jpeg', 'image/png'];

/** @param {Context} ctx */
export function createPhotos(ctx) {
  const id = 'photo';
  const year = new Date().getFullYear();
  const picker = new PointPicker(`${id}-point`, ctx.map, ctx.lang);
  const image = input('file', `${id}-image`, 'image', { accept: TYPES.join(',') });
  const yearInput = input('number', `${id}-year`, 'year', { min: '1850', max: String(year), step: '1', inputmode: 'numeric' });
  const caption = textarea(`${id}-caption`, 'caption', 500, 3);
  const email = input('email', `${id}-email`, 'contact_email', { maxlength: '200', autocomplete: 'email' });
  const node = form(`${id}-form`, [
    text('p', 'part.photos.intro', 'intro'),
    field('part.photos.image', image, { hintPath: 'part.photos.imageHint' }),
    field('part.photos.year', yearInput),
    field('part.photos.caption', caption),
    picker.element,
    field('part.email', email, { optional: true, hintPath: 'part.emailHint' }),
  ]);

  wireSubmit(node, ctx.lang, () => {
    const file = image.files?.[0];
    // What the page can tell before sending 8 MiB for nothing; the server checks again.
    if (file && file.size > MAX_BYTES) throw new RequestFailed(413, strings(ctx.lang()).part.photos.tooLarge, 'image');
    if (file && !TYPES.includes(file.type)) throw new RequestFailed(422, strings(ctx.lang()).part.photos.wrongType, 'image');
    const body = new FormData();
    if (file) body.append('image', file, file.name);
    body.append('year', yearInput.value.trim());
    body.append('caption', caption.value.trim());
    const point = picker.fields();
    if ('longitude' in point) {
      body.append('longitude', String(point.longitude));
      body.append('latitude', String(point.latitude));
    }
    body.append('language', ctx.lang());
    const mail = optionalValue(email);
    if (mail) body.append('contact_email', mail);
    body.append('website', honeypotValue(node));
    return api.sendPhoto(body);
  }, (created) => {
    showReceipt(node, created, ctx.lang(), 'part.photos.thanks');
    image.value = '';
    caption.value = '';
    yearInput.value = '';
    picker.clear();
  });

  return {
    element: node,
    async load() {
      let photos = [];
      try {
        photos = await api.photos();
      } catch (err) {
        ctx.error(`photos: ${err}`);
      }
      await ctx.layers.set('photos', photos);
    },
    relabel() {
      picker.render();
    },
    /** The popup of an accepted photo. */
    popup(/** @type {api.Photo} */ p) {
      const lang = ctx.lang();
      // Only the server's own image path, whatever else a field might hold.
      const src = /^\/api\/photos\/\d+\/image$/.test(p.url) ? p.url : `/api/photos/${encodeURIComponent(String(p.id))}/image`;
      const img = el('img', { className: 'part-photo', attrs: { src, alt: p.caption, loading: 'lazy', decoding: 'async' } });
      return el('figure', { className: 'part-popup', attrs: { lang, 'data-photo': String(p.id) } }, [
        img,
        el('figcaption', {}, [el('span', { text: p.caption, attrs: { lang: p.language } }), el('span', { className: 'year', text: ` (${p.year})` })]),
      ]);
    },
  };
}
