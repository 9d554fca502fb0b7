import { createApp } from 'vue';
import { i18n } from '#i18n';
import { setUpPage } from '@/components/page-setup';
import App from './App.vue';

setUpPage(i18n.t('extName'));
createApp(App).mount('#app');
