import { createApp } from 'vue';
import { setUpPage } from '@/components/page-setup';
import App from './App.vue';

setUpPage();
createApp(App).mount('#app');
