//! Fictional listed subjects: deterministic randomness and name material.

use super::*;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------

/// splitmix64.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// Picks from (item, weight) pairs.
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|x| x.1).sum();
        let mut r = self.below(total as usize) as u32;
        for (item, w) in items {
            if r < *w {
                return item;
            }
            r -= w;
        }
        &items[items.len() - 1].0
    }
}

// ---------------------------------------------------------------------------------------------
// Name material
// ---------------------------------------------------------------------------------------------

/// Characters common in trade names (字号).
pub(crate) const TRADE_CHARS: &str = "安邦宝保北贝奔本必碧滨博步材昌长畅超辰晨成诚驰崇传创春淳达丹道德登迪鼎东栋都笃敦多恩发凡方飞丰峰锋风凤福富港高格工冠光广贵国海汉航豪好浩禾合和恒弘宏洪鸿华辉汇惠佳嘉坚建江杰捷金锦晋京经精景久聚骏俊凯康科可坤力立利联良林霖领隆龙路伦罗茂美蒙民铭明鸣南楠能宁诺鹏平朴旗启千谦乾强桥勤青清庆秋泉仁日荣瑞润森山善尚胜盛世仕顺硕思嵩泰坦特天通同统拓万旺威维伟卫文沃鑫新信兴星雄秀旭宣轩炎扬阳耀业一亿益逸毅银英鹰永勇友宇羽雨裕元源远越云运泽展正志致智中众洲卓子宗尊祥翔晓欣馨心芯兆哲臻振震峥政知至忠舟州竹壮资紫爱奥百佰标彪彬斌波灿策朝潮琛澄程川翠笛冬斗端铎帆梵菲芬甫赋罡皋歌耕庚功巩固贯灌桂衡红厚虎沪桦焕皇徽季骥家剑键姜匠蛟骄劲晶靖境炯钧峻开铠楷堪柯克垦朗乐雷磊黎礼历丽莉亮麟灵凌岭禄鲁陆纶迈满梅萌孟淼敏名摩牧纳年农欧攀沛彭屏普奇琪麒前黔乔巧琴擎琼全权群然融睿若三沙杉上韶绍深神升晟圣拾首树帅双水松苏速腾田添铁亭庭彤童湾皖望薇为蔚稳吾武西熙喜霞夏先贤湘向骁效协行修萱炫学雪迅亚雅彦艳燕洋尧野伊依易奕翼胤引盈颖映涌优佑于余禹玉煜誉园苑月悦跃韵增湛章昭浙征之枝直珠梓纵";

pub(crate) const INDUSTRIES: &[&str] = &[
    "货运",
    "物流",
    "客运",
    "公交",
    "汽车维修",
    "驾驶员培训",
    "港航",
    "船务",
    "路桥工程",
    "出租汽车",
    "危险货物运输",
    "机动车检测",
    "交通建设工程",
    "冷链运输",
    "运输",
    "道路运输",
    "汽车运输",
    "货物运输",
    "国际货运代理",
    "供应链管理",
    "仓储",
    "快递",
    "搬家",
    "汽车租赁",
    "旅游客运",
    "城市公交",
    "公路工程",
    "市政工程",
    "建筑工程",
    "隧道工程",
    "桥梁工程",
    "工程机械",
    "汽车销售",
    "汽车服务",
    "二手车交易",
    "停车管理",
    "航运",
    "海运",
    "水运",
    "港口",
    "码头",
    "集装箱运输",
    "商贸",
    "贸易",
    "实业",
    "科技",
    "信息技术",
    "建材",
    "石化",
    "能源",
    "环保",
    "劳务",
    "建设",
    "交通设施",
    "公路养护",
    "汽车配件",
    "轮胎",
    "物业管理",
    "装卸",
    "运输服务",
];

/// Industries for individual businesses (个体工商户).
pub(crate) const SHOP_INDUSTRIES: &[&str] = &[
    "汽车修理",
    "货运",
    "运输",
    "搬家",
    "汽车美容",
    "轮胎",
    "汽车配件",
    "物流",
    "驾驶员培训",
    "机动车检测",
    "快递",
    "装卸",
];

pub(crate) const COMPANY_FORMS: &[(&str, u32)] = &[
    ("有限公司", 50),
    ("有限责任公司", 22),
    ("股份有限公司", 8),
    ("集团有限公司", 5),
    ("集团股份有限公司", 1),
    ("公司", 3),
    ("专业合作社", 1),
];

pub(crate) const SHOP_FORMS: &[(&str, u32)] = &[
    ("厂", 20),
    ("店", 20),
    ("经营部", 20),
    ("服务部", 15),
    ("中心", 10),
    ("站", 10),
    ("商行", 5),
];

pub(crate) const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
pub(crate) const COMPOUND_SURNAMES: &[&str] = &["欧阳", "司马", "诸葛", "上官", "东方", "慕容"];
pub(crate) const GIVEN_CHARS: &str = "伟芳娜敏静强磊军洋勇艳杰涛明超秀英华平刚桂玉兰萍红霞丽建国志斌辉鹏飞宇浩然子涵雨桐欣怡梓轩一诺佳琪晨阳博文思远海燕春梅小龙俊峰婷颖琳慧晶楠雪梦瑶嘉宏亮玲凤云鑫淑珍荣德福寿喜庆永安立新成家学清正义忠信仁智勤俭朝晖丹青松柏竹菊莲荷彩虹月星辰光";

pub(crate) const LISTS: &[(&str, u32)] = &[
    ("失信被执行人", 40),
    ("严重失信主体名单", 25),
    ("重点关注名单", 20),
    ("守信激励对象", 15),
];

pub(crate) const USCC_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

pub(crate) fn uscc(n: u64, prefix: &str) -> String {
    let mut body = String::new();
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5bd1_e995;
    for _ in 0..8 {
        body.push(USCC_ALPHABET[(x % 31) as usize] as char);
        x /= 31;
    }
    let c9 = org_code_check_char(&body).unwrap_or('0');
    let division = 110_000 + (n % 540_000);
    let first17 = format!("{prefix}{division:06}{body}{c9}");
    format!("{first17}{}", uscc_check_char(&first17).unwrap())
}

pub(crate) fn citizen_id(n: u64) -> String {
    let day = 1 + n % 28;
    let month = 1 + (n / 28) % 12;
    let first17 = format!(
        "{:06}{}{month:02}{day:02}{:03}",
        110_000 + (n / 1000) % 540_000,
        1950 + (n % 50),
        n % 1000
    );
    format!("{first17}{}", citizen_id_check_char(&first17).unwrap())
}

/// How a listed company name is written around its region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum RegionStyle {
    None,
    Prefix,
    ProvinceAndCity,
    Brackets,
}

/// A generated company, kept in parts so that variants can be composed.
#[derive(Debug, Clone)]
pub(crate) struct Company {
    pub(crate) region: Option<Region>,
    pub(crate) style: RegionStyle,
    pub(crate) trade: String,
    pub(crate) industry: String,
    pub(crate) form: String,
}

impl Company {
    pub(crate) fn compose(&self) -> String {
        match (self.region, self.style) {
            (Some(r), RegionStyle::Prefix) => {
                format!("{}{}{}{}", r.name(), self.trade, self.industry, self.form)
            }
            (Some(r), RegionStyle::ProvinceAndCity) => {
                let p = r.parent().filter(|p| *p != Region::root());
                format!(
                    "{}{}{}{}{}",
                    p.map_or("", |p| p.name()),
                    r.name(),
                    self.trade,
                    self.industry,
                    self.form
                )
            }
            (Some(r), RegionStyle::Brackets) => {
                format!(
                    "{}（{}）{}{}",
                    self.trade,
                    r.name(),
                    self.industry,
                    self.form
                )
            }
            _ => format!("{}{}{}", self.trade, self.industry, self.form),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Subject {
    Company(Company),
    Person(String),
}

pub(crate) struct Pools {
    pub(crate) trade: Vec<char>,
    pub(crate) given: Vec<char>,
    pub(crate) surnames: Vec<String>,
    pub(crate) cities: Vec<Region>,
    pub(crate) provinces: Vec<Region>,
}

impl Pools {
    pub(crate) fn new() -> Pools {
        let mut trade: Vec<char> = TRADE_CHARS.chars().collect();
        trade.sort_unstable();
        trade.dedup();
        let mut given: Vec<char> = GIVEN_CHARS.chars().collect();
        given.sort_unstable();
        given.dedup();
        let mut surnames: Vec<String> = SURNAMES.chars().map(String::from).collect();
        surnames.extend(COMPOUND_SURNAMES.iter().map(|s| s.to_string()));
        let root = Region::root();
        let provinces: Vec<Region> = Region::all().filter(|r| r.parent() == Some(root)).collect();
        let cities: Vec<Region> = Region::all()
            .filter(|r| r.parent().is_some_and(|p| p != root))
            .collect();
        Pools {
            trade,
            given,
            surnames,
            cities,
            provinces,
        }
    }

    pub(crate) fn trade_name(&self, rng: &mut Rng) -> String {
        let len = *rng.weighted(&[(2usize, 60), (3, 35), (4, 5)]);
        loop {
            let s: String = (0..len).map(|_| *rng.pick(&self.trade)).collect();
            // Naming rules: a trade name does not use a region name.
            if region::match_prefix(&s).is_none() {
                return s;
            }
        }
    }

    pub(crate) fn region(&self, rng: &mut Rng) -> Region {
        if rng.chance(15) {
            *rng.pick(&self.provinces)
        } else {
            *rng.pick(&self.cities)
        }
    }

    pub(crate) fn company(&self, rng: &mut Rng) -> Company {
        let shop = rng.chance(12);
        let style = *rng.weighted(&[
            (RegionStyle::Prefix, 73),
            (RegionStyle::ProvinceAndCity, 5),
            (RegionStyle::Brackets, 7),
            (RegionStyle::None, 15),
        ]);
        let mut trade = self.trade_name(rng);
        if rng.chance(1) {
            // A few Latin trade names.
            trade = (0..2 + rng.below(3))
                .map(|_| (b'A' + rng.below(26) as u8) as char)
                .collect();
        }
        let (industry, form) = if shop {
            (*rng.pick(SHOP_INDUSTRIES), *rng.weighted(SHOP_FORMS))
        } else {
            (*rng.pick(INDUSTRIES), *rng.weighted(COMPANY_FORMS))
        };
        let region = (style != RegionStyle::None).then(|| {
            if style == RegionStyle::ProvinceAndCity {
                *rng.pick(&self.cities)
            } else {
                self.region(rng)
            }
        });
        Company {
            region,
            style,
            trade,
            industry: industry.to_owned(),
            form: form.to_owned(),
        }
    }

    pub(crate) fn person(&self, rng: &mut Rng) -> String {
        let surname = if rng.chance(2) {
            COMPOUND_SURNAMES[rng.below(COMPOUND_SURNAMES.len())].to_owned()
        } else {
            self.surnames[rng.below(self.surnames.len() - COMPOUND_SURNAMES.len())].clone()
        };
        let given_len = if rng.chance(30) { 1 } else { 2 };
        let given: String = (0..given_len).map(|_| *rng.pick(&self.given)).collect();
        format!("{surname}{given}")
    }
}
