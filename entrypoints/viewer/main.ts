import { i18n } from '#i18n';
import { mountPage } from '@/components/page-setup';
import App from './App.vue';

mountPage(App, i18n.t('viewer.title'));
