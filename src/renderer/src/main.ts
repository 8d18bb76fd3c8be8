// Renderer entry: Vue + Pinia + vue-konva, the dark theme, and the read-only test hook.
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import VueKonva from 'vue-konva';
import App from './App.vue';
import { installTestHook } from './test-hook.ts';
import './theme.css';

installTestHook();
createApp(App).use(createPinia()).use(VueKonva).mount('#app');
