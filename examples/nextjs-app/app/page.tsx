import { StartRunHere } from '../components/StartRunHere';

export default function Home() {
  return <StartRunHere />;
}
