import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from '@/App.vue';
import { router } from '@/router';
import { configureApi } from '@/services/api';
import { useAuthStore } from '@/stores/auth';
import '@/styles.css';

const app = createApp(App);
app.use(createPinia());

const auth = useAuthStore();
configureApi({
  token: () => auth.token,
  renew: (stale) => auth.refresh(stale),
  unauthorized: (error) => auth.unauthorized(error),
});
auth.restore();

app.use(router);
app.mount('#app');
