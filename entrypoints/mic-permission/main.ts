// Asks for the microphone from a visible extension page: the offscreen document
// cannot show the browser's permission prompt, but shares the extension's grant.
import { i18n } from '#i18n';
import { setUpPage } from '@/components/page-setup';

setUpPage(i18n.t('micPermission.title'));
const app = document.getElementById('app')!;
const main = document.createElement('main');
main.className = 'card';
main.style.cssText = 'max-width:480px;margin:40px auto';
const title = document.createElement('h1');
title.textContent = i18n.t('micPermission.title');
const body = document.createElement('p');
body.textContent = i18n.t('micPermission.body');
body.dataset.testid = 'mic-permission-status';
main.append(title, body);
app.append(main);

navigator.mediaDevices.getUserMedia({ audio: true }).then(
  (stream) => {
    for (const track of stream.getTracks()) track.stop();
    body.textContent = i18n.t('micPermission.granted');
  },
  () => {
    body.textContent = i18n.t('micPermission.denied');
  },
);
